"""The office inbox page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from service.accounts.service import users_by_id
from service.audit.service import client_ip
from service.db import MAX_ROW_ID, get_session
from service.errors import NotFound
from service.notifications import service
from service.offices.service import all_offices
from service.validation import whole_number

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/inbox")
@login_required
def inbox():
    if not service.has_inbox(current_user):
        abort(404)
    db = get_session()
    unread = request.args.get("unread") == "1"
    cursor = whole_number(request.args.get("cursor"), maximum=MAX_ROW_ID)
    items, next_cursor = service.inbox(
        db, actor=current_user, unread=unread, cursor=cursor, limit=30
    )
    return render_template(
        "notifications/inbox.html",
        items=items,
        unread=unread,
        next_cursor=next_cursor,
        users=users_by_id(db, {i.read_by for i in items} | {i.acknowledged_by for i in items}),
        office_names={o.code: o.short_name for o in all_offices(db)},
    )


@bp.post("/inbox/<id:item_id>/open")
@login_required
def open_item(item_id: int):
    db = get_session()
    try:
        item = service.mark_read(db, actor=current_user, notification_id=item_id, ip=client_ip())
    except NotFound:
        abort(404)
    if item.case_id:
        return redirect(url_for("cases.detail", case_id=item.case_id))
    return redirect(url_for("notifications.inbox"))


@bp.post("/inbox/<id:item_id>/ack")
@login_required
def ack_item(item_id: int):
    try:
        service.acknowledge(
            get_session(), actor=current_user, notification_id=item_id, ip=client_ip()
        )
    except NotFound:
        abort(404)
    return redirect(url_for("notifications.inbox"))
