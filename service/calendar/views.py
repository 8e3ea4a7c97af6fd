"""The admin page of the working-day calendar: overrides by year, add one, delete one."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from service.accounts.models import Role
from service.audit.service import client_ip
from service.calendar import service
from service.calendar.forms import OverrideForm
from service.db import get_session
from service.errors import DomainError
from service.forms import show_error

bp = Blueprint("calendar", __name__, template_folder="templates")


@bp.before_request
@login_required
def _admins_only():
    # Anyone else must not learn the page exists.
    if current_user.role != Role.admin:
        abort(404)


def _year(default: int) -> int:
    try:
        year = int(request.args.get("year", default))
    except ValueError:
        return default
    return year if 1900 <= year <= 2200 else default


def _render(form: OverrideForm, year: int, status: int = 200):
    db = get_session()
    this_year = service.local_today().year
    years = sorted({this_year, this_year + 1, year, *service.override_years(db)})
    return render_template(
        "calendar/overrides.html",
        form=form,
        year=year,
        years=years,
        sources=service.year_sources(db, years),
        overrides=service.overrides_in_year(db, year),
    ), status


@bp.get("/admin/calendar")
def overrides():
    return _render(OverrideForm(formdata=None), _year(service.local_today().year))


@bp.post("/admin/calendar")
def add_override():
    db = get_session()
    form = OverrideForm()
    year = _year(service.local_today().year)
    if not form.validate_on_submit():
        return _render(form, year, 422)
    try:
        service.set_override(
            db,
            day=form.day.data,
            is_workday=form.kind.data == "workday",
            notice=form.notice.data,
            actor=current_user,
            ip=client_ip(),
        )
    except DomainError as error:
        db.rollback()
        show_error(form, error)
        return _render(form, year, error.status)
    flash(_("%(day)s was saved.", day=form.day.data.isoformat()), "success")
    return redirect(url_for("calendar.overrides", year=form.day.data.year))


@bp.post("/admin/calendar/<day>/delete")
def delete_override(day: str):
    db = get_session()
    try:
        parsed = date.fromisoformat(day)
        service.delete_override(db, day=parsed, actor=current_user, ip=client_ip())
    except (ValueError, DomainError):
        db.rollback()
        abort(404)
    flash(_("The override of %(day)s was deleted.", day=parsed.isoformat()), "success")
    return redirect(url_for("calendar.overrides", year=parsed.year))
