"""The transfer's own pages: the printable 信息表 with its verification code."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required

from service.audit.service import client_ip
from service.db import get_session
from service.documents import pdf_response
from service.errors import Conflict, NotFound
from service.transfers import rules
from service.transfers import service as transfers
from service.transfers.pdf import info_form_pdf

bp = Blueprint("transfers", __name__, template_folder="templates")


@bp.get("/cases/<id:case_id>/info-form")
@login_required
def info_form(case_id: int):
    secret = current_app.config["REFERRAL"].secret_key
    try:
        form = transfers.info_form(
            get_session(), actor=current_user, case_id=case_id, secret_key=secret, ip=client_ip()
        )
    except NotFound:
        abort(404)
    except Conflict:
        abort(409)
    return render_template(
        "transfers/info_form.html",
        form=form,
        valid=rules.verify_form(form, secret_key=secret),
        case_id=case_id,
    )


@bp.get("/cases/<id:case_id>/info-form.pdf")
@login_required
def info_form_download(case_id: int):
    """The 信息表 as a PDF download; each download audited (``transfer.info_form_pdf``)."""
    secret = current_app.config["REFERRAL"].secret_key
    try:
        form = transfers.info_form(
            get_session(),
            actor=current_user,
            case_id=case_id,
            secret_key=secret,
            ip=client_ip(),
            action="transfer.info_form_pdf",
        )
    except NotFound:
        abort(404)
    except Conflict:
        abort(409)
    return pdf_response(
        info_form_pdf(form),
        f"{form['title']}-{form['case_number']}.pdf",
        fallback_stem=f"info-form-{form['case_number']}",
    )
