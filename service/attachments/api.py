"""Evidence files over JSON: upload one (multipart, field ``file``), list a case's files,
download one. Offices not party to the case get 404, as for the case itself."""

from __future__ import annotations

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.accounts.models import User
from service.api.core import api_user, json_response, operation, settings
from service.attachments import rules, service
from service.attachments.models import AttachmentList, AttachmentRead, CaseAttachment
from service.attachments.views import download_response, upload_request_limit
from service.cases import service as cases
from service.db import get_session
from service.errors import N_, ContentTooLarge, FieldError, ValidationFailed
from service.i18n import local_time

FILE_TYPES = tuple(t.content_type for t in rules.TYPES.values())


def _ip() -> str:
    return request.remote_addr or ""


def attachment_read(attachment: CaseAttachment, uploader: User | None) -> AttachmentRead:
    return AttachmentRead(
        id=attachment.id,
        name=attachment.name,
        size=attachment.size,
        sha256=attachment.sha256,
        content_type=attachment.content_type,
        uploaded_at=local_time(attachment.uploaded_at),
        uploaded_by=uploader.display_name if uploader else "",
    )


@operation(
    "/cases/<id:case_id>/attachments",
    "POST",
    summary="Add an evidence file to a case (multipart/form-data, field “file”)",
    tag="attachments",
    multipart={
        "file": "PDF, OFD, JPEG, PNG, DOCX or XLSX, recognised by its content; at most "
        "REFERRAL_ATTACHMENT_MAX_BYTES (20 MB by default)"
    },
    response=AttachmentRead,
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def upload_attachment(case_id: int) -> Response:
    db = get_session()
    user = api_user()
    case = cases.get_visible(db, actor=user, case_id=case_id)  # before a byte of the body
    # The file may be far larger than the JSON limit; the token has been checked by now.
    request.max_content_length = upload_request_limit(1)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise ContentTooLarge(
            errors=[
                FieldError(
                    "file",
                    N_("The file is larger than %(max)s."),
                    {"max": rules.human_size(settings().attachment_max_bytes)},
                )
            ]
        ) from None
    if upload is None or not (upload.filename or "").strip():
        raise ValidationFailed(
            errors=[
                FieldError(
                    "file", N_("Send the file in the multipart field “file”, with its name.")
                )
            ]
        )
    attachment = service.add_attachment(
        db, actor=user, case=case, filename=upload.filename, content=upload.stream, ip=_ip()
    )
    return json_response(
        attachment_read(attachment, user),
        201,
        {"Location": f"/api/v1/cases/{case.id}/attachments/{attachment.id}"},
    )


@operation(
    "/cases/<id:case_id>/attachments",
    "GET",
    summary="The case's evidence files",
    tag="attachments",
    response=AttachmentList,
    errors=(401, 404),
)
def list_attachments(case_id: int) -> Response:
    listed = service.list_attachments(get_session(), actor=api_user(), case_id=case_id)
    return json_response(
        AttachmentList(items=[attachment_read(item.attachment, item.uploader) for item in listed])
    )


@operation(
    "/cases/<id:case_id>/attachments/<id:attachment_id>",
    "GET",
    summary="Download one evidence file (every download is audited)",
    tag="attachments",
    file_response=FILE_TYPES,
    errors=(401, 404),
)
def download_attachment(case_id: int, attachment_id: int) -> Response:
    found = service.open_attachment(
        get_session(), actor=api_user(), case_id=case_id, attachment_id=attachment_id, ip=_ip()
    )
    return download_response(found)
