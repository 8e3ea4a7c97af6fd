"""Login and logout pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from service.accounts import service
from service.accounts.forms import LoginForm, ProfileForm
from service.accounts.rules import safe_next
from service.accounts.throttle import login_throttle
from service.audit.service import client_ip
from service.db import get_session
from service.errors import DomainError, TooManyAttempts
from service.forms import show_error

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        db = get_session()
        try:
            user = service.authenticate(
                db,
                username=form.username.data.strip(),
                password=form.password.data,
                ip=client_ip(),
                throttle=login_throttle(),
            )
        except DomainError as error:
            show_error(form, error)
            status = error.status
            if isinstance(error, TooManyAttempts):
                headers["Retry-After"] = str(error.retry_after)
        else:
            hours = current_app.config["REFERRAL"].session_hours
            service.open_session(db, user=user, ip=client_ip(), hours=hours)
            _start_afresh()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("cases.home"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status, headers


def _start_afresh() -> None:
    """Nothing of the session before the login survives it (its CSRF token included), except
    the language chosen."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
@login_required
def logout():
    service.logout(get_session(), user=current_user, ip=client_ip())
    logout_user()
    _start_afresh()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            service.update_profile(
                db,
                user=current_user,
                email=form.email.data or "",
                notify_by_email=bool(form.notify_by_email.data),
                ip=client_ip(),
            )
        except DomainError as error:
            db.rollback()
            show_error(form, error)
            status = error.status
        else:
            flash(_("Your settings were saved."), "success")
            return redirect(url_for("accounts.profile"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/profile.html", form=form), status
