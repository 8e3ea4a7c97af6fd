"""Evidence files on the case page: the list with its upload form (a partial of the case page),
uploading several files at once, and downloading one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from service.attachments import rules, service
from service.attachments.forms import UploadForm
from service.cases import service as cases
from service.cases.models import Case
from service.db import get_session
from service.errors import DomainError, NotFound
from service.i18n import translate_error
from service.offices import service as offices

bp = Blueprint("attachments", __name__, template_folder="templates")

bp.add_app_template_filter(rules.human_size, "filesize")


def _ip() -> str:
    return request.remote_addr or ""


# --- request size --------------------------------------------------------------------------


def accepts_uploads(files: int | None = None) -> Callable:
    """Mark a page whose form carries evidence files (``files``: how many at most; default
    REFERRAL_ATTACHMENT_MAX_FILES): a logged-in user's request may be as large as that many
    files of REFERRAL_ATTACHMENT_MAX_BYTES. Every other form and JSON body keeps
    REFERRAL_MAX_REQUEST_BYTES. Put it below the route decorator. (An API handler sets
    ``request.max_content_length = upload_request_limit(1)`` itself, once the token is checked.)"""

    def mark(view: Callable) -> Callable:
        view.upload_files = files or 0  # type: ignore[attr-defined]
        return view

    return mark


def upload_request_limit(files: int | None = None) -> int:
    settings = current_app.config["REFERRAL"]
    count = files or settings.attachment_max_files
    # The files themselves plus the ordinary allowance for the form's other fields and framing.
    return count * settings.attachment_max_bytes + settings.max_request_bytes


@bp.app_url_value_preprocessor
def _raise_the_limit_for_uploads(endpoint: str | None, _values: dict | None) -> None:
    # URL value preprocessors run before every before_request hook — CSRF protection's among
    # them, the first to read a form — so the limit is in place before the body is read.
    # Only for a logged-in user: nobody else gets to make the server read a large body.
    view = current_app.view_functions.get(endpoint) if endpoint else None
    files = getattr(view, "upload_files", None)
    if files is not None and current_user.is_authenticated:
        request.max_content_length = upload_request_limit(files)


# --- the case page's partial ------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    items: list[service.Listed]
    may_upload: bool
    office_names: dict[str, str]
    max_size: str
    max_files: int
    types: str
    accept: str


@bp.app_template_global()
def attachment_panel(case: Case) -> Panel:
    """What ``attachments/_files.html`` shows on the case page of ``case``."""
    db = get_session()
    settings = current_app.config["REFERRAL"]
    allowed = settings.allowed_attachment_types
    extensions = [f".{ext}" for code in allowed for ext in rules.TYPES[code].extensions]
    return Panel(
        items=service.list_attachments(db, actor=current_user, case_id=case.id),
        may_upload=service.may_upload(db, actor=current_user, case=case),
        office_names={o.code: o.short_name for o in offices.all_offices(db)},
        max_size=rules.human_size(settings.attachment_max_bytes),
        max_files=settings.attachment_max_files,
        types=rules.allowed_labels(allowed),
        accept=",".join(extensions + [rules.TYPES[code].content_type for code in allowed]),
    )


# --- routes -------------------------------------------------------------------------------------


def _back(case_id: int) -> Response:
    return redirect(url_for("cases.detail", case_id=case_id) + "#attachments")


def _refusal(error: DomainError) -> str:
    reasons = [translate_error(e.message, e.params) for e in error.errors] or [
        translate_error(error.message, error.params)
    ]
    return _("No file was saved: %(reason)s", reason=" ".join(reasons))


@bp.post("/cases/<id:case_id>/attachments")
@login_required
@accepts_uploads()
def upload(case_id: int):
    db = get_session()
    try:
        case = cases.get_visible(db, actor=current_user, case_id=case_id)
    except NotFound:
        abort(404)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please go back, reload the page and submit again."), "error")
        return _back(case_id)
    try:
        added = service.attach_uploads(
            db, actor=current_user, case=case, files=form.files.data or [], ip=_ip(), commit=True
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        db.rollback()
        flash(_refusal(error), "error")
        return _back(case_id)
    if not added:
        flash(_("Choose at least one file to upload."), "error")
    else:
        names = "、".join(a.name for a in added)
        flash(_("Files added: %(names)s.", names=names), "success")
    return _back(case_id)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    settings = current_app.config["REFERRAL"]
    flash(
        _(
            "No file was saved: the upload is larger than allowed (at most %(count)s files of "
            "%(size)s each).",
            count=settings.attachment_max_files,
            size=rules.human_size(settings.attachment_max_bytes),
        ),
        "error",
    )
    return _back((request.view_args or {}).get("case_id", 0))


@bp.get("/cases/<id:case_id>/attachments/<id:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int):
    try:
        found = service.open_attachment(
            get_session(),
            actor=current_user,
            case_id=case_id,
            attachment_id=attachment_id,
            ip=_ip(),
        )
    except NotFound:
        abort(404)
    return download_response(found)


def download_response(found: service.Download) -> Response:
    """The file as a download, never rendered by the browser: attachment disposition with the
    Chinese name (RFC 5987) and an ASCII fallback, the recognised type, no sniffing, no caching."""
    attachment = found.attachment
    response = send_file(
        found.path,
        mimetype=attachment.content_type,
        etag=attachment.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["Content-Disposition"] = rules.content_disposition(
        found.download_name, fallback_stem=f"attachment-{attachment.id}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
