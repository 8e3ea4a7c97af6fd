"""The transfer's own pages: the printable 信息表 with its verification code, and batch transfers
(the template, the upload with its per-row report, the filing with its progress)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from service.attachments.rules import content_disposition
from service.audit.service import client_ip
from service.cases.kinds import registry
from service.db import get_session
from service.documents import pdf_response
from service.errors import Conflict, DomainError, NotFound
from service.forms import show_error
from service.i18n import translate_error
from service.offices import service as offices
from service.transfers import batch_file, batches, rules
from service.transfers import service as transfers
from service.transfers.forms import BatchUploadForm
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


# ---------------------------------------------------------------------------- batch transfers

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _kind():
    return registry().get("transfer")


def _may_file() -> None:
    if current_user.role not in _kind().filing_roles:
        abort(404)


def _sheet_response(rows: list[list[str]], fmt: str, name: str, *, stem: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    sheet = _("Transfers")
    data = batch_file.to_csv(rows) if fmt == "csv" else batch_file.to_xlsx(rows, sheet=sheet)
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = content_disposition(
        f"{name}.{fmt}", fallback_stem=stem
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _batch_form(db) -> BatchUploadForm:
    form = BatchUploadForm()
    form.offer_offices(
        offices.operational_offices(db),
        own_office=current_user.office_code,
    )
    return form


@bp.route("/transfers/batches", methods=["GET", "POST"])
@login_required
def batch_list():
    """The office's batches and the upload of a new one (checked at once, nothing filed)."""
    _may_file()
    db = get_session()
    form = _batch_form(db)
    status = 200
    if request.method == "POST":
        upload = form.file.data
        if form.validate_on_submit():
            try:
                batch = batches.check_upload(
                    db,
                    actor=current_user,
                    filename=(upload.filename or "") if upload else "",
                    content=upload.read() if upload else b"",
                    transfer_out_office=form.transfer_out_office.data,
                    transfer_in_office=form.transfer_in_office.data,
                    ip=client_ip(),
                )
            except DomainError as error:
                db.rollback()
                show_error(form, error)
                status = error.status
            else:
                return redirect(url_for("transfers.batch_detail", batch_id=batch.id))
        else:
            status = 422
    return render_template(
        "transfers/batches.html",
        form=form,
        batches=batches.batches_of(db, actor=current_user),
        office_names={o.code: o.short_name for o in offices.all_offices(db)},
    ), status


@bp.get("/transfers/batches/template.<fmt>")
@login_required
def batch_template(fmt: str):
    _may_file()
    return _sheet_response(
        batch_file.template_rows(),
        fmt,
        _("Batch transfer template"),
        stem="batch-transfer-template",
    )


@bp.get("/transfers/batches/<id:batch_id>")
@login_required
def batch_detail(batch_id: int):
    _may_file()
    db = get_session()
    try:
        batch = batches.get_batch(db, actor=current_user, batch_id=batch_id)
    except NotFound:
        abort(404)
    return render_template(
        "transfers/batch.html",
        batch=batch,
        rows=batches.rows_of(db, batch),
        pending=batches.pending_count(batch),
        headers={c.key: batch_file.header(c) for c in batch_file.COLUMNS},
        office_names={o.code: o.short_name for o in offices.all_offices(db)},
        steps=_kind().business_steps,
        translate_error=translate_error,
    )


@bp.get("/transfers/batches/<id:batch_id>/report.<fmt>")
@login_required
def batch_report(batch_id: int, fmt: str):
    """The rows refused, one line per error (row, column, message), as CSV or XLSX."""
    _may_file()
    db = get_session()
    try:
        batch = batches.get_batch(db, actor=current_user, batch_id=batch_id)
    except NotFound:
        abort(404)
    columns = {c.key: batch_file.header(c) for c in batch_file.COLUMNS}
    lines = [[_("Row"), _("Column"), _("Message"), _("Name")]]
    for row in batches.rows_of(db, batch):
        for error in row.errors:
            lines.append(
                [
                    str(row.number),
                    columns.get(error.column, ""),
                    translate_error(error.message, error.params),
                    row.name,
                ]
            )
    return _sheet_response(
        lines, fmt, _("Batch %(id)s refused rows", id=batch.id), stem=f"batch-{batch.id}-report"
    )


@bp.post("/transfers/batches/<id:batch_id>/file")
@login_required
def batch_file_rows(batch_id: int):
    """File the batch's valid rows: a slice per call when asked for JSON (the page's progress
    bar keeps two calls going until nothing is pending), all of them otherwise."""
    _may_file()
    db = get_session()
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        progress = batches.file_rows(
            db,
            actor=current_user,
            batch_id=batch_id,
            limit=batches.SLICE if wants_json else None,
            ip=client_ip(),
        )
    except NotFound:
        abort(404)
    batch = progress.batch
    if wants_json:
        return {
            "rows": batch.row_count,
            "filed": batch.filed_count,
            "refused": batch.error_count,
            "pending": batches.pending_count(batch),
            "handled": progress.handled,
        }
    flash(_("%(count)s transfers filed.", count=batch.filed_count), "success")
    return redirect(url_for("transfers.batch_detail", batch_id=batch.id))
