"""Administrators' pages of the notification channels: deliveries that failed or were
dead-lettered (with a retry), and each office's duty e-mail address and webhook endpoint."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from service.accounts.models import Role
from service.audit.service import client_ip
from service.db import get_session
from service.errors import DomainError, NotFound
from service.forms import show_error
from service.notifications import service
from service.notifications.forms import OfficeChannelsForm
from service.offices.service import all_offices

bp = Blueprint("channels_admin", __name__, template_folder="templates")


@bp.before_request
@login_required
def _admins_only():
    # Anyone else must not learn the pages exist.
    if current_user.role != Role.admin:
        abort(404)


@bp.get("/admin/deliveries")
def deliveries():
    db = get_session()
    return render_template(
        "notifications/admin_deliveries.html",
        rows=service.deliveries_needing_attention(db, actor=current_user),
        office_names={o.code: o.short_name for o in all_offices(db)},
    )


@bp.post("/admin/deliveries/<id:delivery_id>/retry")
def retry(delivery_id: int):
    db = get_session()
    try:
        service.retry_delivery(db, actor=current_user, delivery_id=delivery_id, ip=client_ip())
    except NotFound:
        db.rollback()
        flash(_("This delivery is not waiting for a retry."), "error")
    else:
        flash(_("The delivery was queued again."), "success")
    return redirect(url_for("channels_admin.deliveries"))


@bp.get("/admin/channels")
def channels():
    return render_template(
        "notifications/admin_channels.html",
        offices=service.all_office_channels(get_session(), actor=current_user),
    )


@bp.route("/admin/channels/<office_code>", methods=["GET", "POST"])
def office_channels(office_code: str):
    db = get_session()
    try:
        current = service.office_channels(db, actor=current_user, office_code=office_code)
    except NotFound:
        abort(404)
    form = OfficeChannelsForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.set_office_channels(
                    db,
                    actor=current_user,
                    office_code=office_code,
                    duty_email=form.duty_email.data or "",
                    webhook_url=form.webhook_url.data or "",
                    webhook_secret=form.webhook_secret.data or "",
                    webhook_active=form.webhook_active.data,
                    ip=client_ip(),
                )
            except DomainError as error:
                db.rollback()
                show_error(form, error)
                status = error.status
            else:
                flash(
                    _("Notification channels of %(office)s saved.", office=current.office.name),
                    "success",
                )
                return redirect(url_for("channels_admin.channels"))
        else:
            status = 422
    else:
        form.duty_email.data = current.office.duty_email
        form.webhook_url.data = current.webhook.url if current.webhook else ""
        form.webhook_active.data = current.webhook.active if current.webhook else True
    return render_template(
        "notifications/admin_office_channels.html", form=form, current=current
    ), status
