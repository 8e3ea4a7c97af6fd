"""Relation transfers over JSON: the issued 信息表 with its verification code, and a check of a
form received (the transfer-in office verifies what it was sent)."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel, ConfigDict

from service.api.core import api_user, json_response, operation, settings
from service.audit.service import client_ip
from service.db import get_session
from service.documents import pdf_response
from service.transfers import rules
from service.transfers import service as transfers
from service.transfers.pdf import info_form_pdf


class InfoFormRead(BaseModel):
    """参保人员基本医疗保险信息表: the content as issued and its ``verification_code`` (hex
    HMAC-SHA256 over the canonical JSON of the rest, keyed for the issuing office)."""

    model_config = ConfigDict(extra="allow")
    title: str
    case_number: str
    issued_by: dict[str, str]
    issued_on: str
    transfer_in_office: dict[str, str]
    person: dict[str, str]
    scheme_out: str
    scheme_in: str
    suspended_on: str
    reason: str
    periods: list[dict[str, Any]]
    account_balance: str
    verification_code: str


class InfoFormCheck(BaseModel):
    valid: bool


@operation(
    "/cases/<id:case_id>/info-form",
    "GET",
    summary="The transfer's information form (信息表) with its verification code",
    tag="cases",
    response=InfoFormRead,
    errors=(401, 404, 409),
)
def get_info_form(case_id: int) -> Response:
    form = transfers.info_form(
        get_session(),
        actor=api_user(),
        case_id=case_id,
        secret_key=settings().secret_key,
        ip=client_ip(),
    )
    return json_response(form)


@operation(
    "/cases/<id:case_id>/info-form.pdf",
    "GET",
    summary="The transfer's information form (信息表) as a PDF, its verification code on every page",
    tag="cases",
    file_response=("application/pdf",),
    errors=(401, 404, 409),
)
def get_info_form_pdf(case_id: int) -> Response:
    form = transfers.info_form(
        get_session(),
        actor=api_user(),
        case_id=case_id,
        secret_key=settings().secret_key,
        ip=client_ip(),
        action="transfer.info_form_pdf",
    )
    return pdf_response(
        info_form_pdf(form),
        f"{form['title']}-{form['case_number']}.pdf",
        fallback_stem=f"info-form-{form['case_number']}",
    )


@operation(
    "/info-forms/verify",
    "POST",
    summary="Whether an information form is unchanged since it was issued",
    tag="cases",
    body=dict[str, Any],
    response=InfoFormCheck,
    errors=(401, 422),
)
def verify_info_form(body: dict) -> Response:
    return json_response(
        InfoFormCheck(valid=rules.verify_form(body, secret_key=settings().secret_key))
    )
