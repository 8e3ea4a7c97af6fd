"""Deadline actions on the case page: request an extension, a supervisor decides it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from service.audit.service import client_ip
from service.cases import flows
from service.cases import service as cases
from service.db import get_session
from service.errors import DomainError, NotFound
from service.forms import show_error
from service.sla.forms import ExtensionDecisionForm, ExtensionRequestForm

bp = Blueprint("sla", __name__, template_folder="templates")


def _case(case_id: int):
    try:
        return cases.get_visible(get_session(), actor=current_user, case_id=case_id)
    except NotFound:
        abort(404)


@bp.post("/cases/<id:case_id>/extension")
@login_required
def request_extension(case_id: int):
    db = get_session()
    case = _case(case_id)
    form = ExtensionRequestForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for the extension."), "error")
        return redirect(url_for("cases.detail", case_id=case_id))
    try:
        flows.request_extension(
            db, actor=current_user, case=case, reason=form.reason.data or "", ip=client_ip()
        )
    except DomainError as error:
        db.rollback()
        show_error(None, error)
    else:
        flash(_("The extension was requested; a supervisor of your office decides it."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/cases/<id:case_id>/extension/<id:extension_id>")
@login_required
def decide_extension(case_id: int, extension_id: int):
    db = get_session()
    case = _case(case_id)
    form = ExtensionDecisionForm()
    if form.validate_on_submit():
        try:
            flows.decide_extension(
                db,
                actor=current_user,
                case=case,
                extension_id=extension_id,
                approve=form.decision.data == "approve",
                ip=client_ip(),
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            db.rollback()
            show_error(None, error)
        else:
            flash(_("The decision was recorded."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
