"""GET/POST /progress: the public progress page (no login), rate-limited per address."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from config import Settings
from service import ratelimit
from service.audit.service import client_ip
from service.db import get_session
from service.progress import rules
from service.progress import service as progress

bp = Blueprint("progress", __name__, template_folder="templates")

# The lookups one address may make per minute, page and API together.
SCOPE = "progress"


def _number(_form: FlaskForm, field) -> None:
    if rules.normal_number(field.data) is None:
        raise ValidationError(
            _l("A case number is letters, digits and hyphens, e.g. JN-2026-000042.")
        )


def _tail(_form: FlaskForm, field) -> None:
    if rules.normal_tail(field.data) is None:
        raise ValidationError(_l("Six characters: the last six of the ID number (digits or X)."))


class ProgressForm(FlaskForm):
    number = StringField(
        _l("Case number"),
        validators=[DataRequired(_l("Enter the case number on your receipt.")), _number],
        render_kw={"autocomplete": "off", "maxlength": 32},
    )
    id_tail = StringField(
        _l("Last six characters of the ID number"),
        validators=[DataRequired(_l("Enter the last six characters of your ID number.")), _tail],
        render_kw={"autocomplete": "off", "maxlength": 6, "inputmode": "text"},
    )


@bp.route("/progress", methods=["GET", "POST"])
def page():
    form = ProgressForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        form.id_tail.data = ""
        return render_template("progress/page.html", form=form), status
    found = progress.lookup(
        get_session(),
        number=rules.normal_number(form.number.data),
        id_tail=rules.normal_tail(form.id_tail.data),
        ip=client_ip(),
        channel="web",
    )
    form.id_tail.data = ""  # never shown back
    if found is None:
        return render_template("progress/page.html", form=form, not_found=True), 404
    return render_template("progress/page.html", form=form, result=found.describe())


@bp.errorhandler(RateLimitExceeded)
def _too_many(_error: RateLimitExceeded):
    limit = current_app.extensions[ratelimit.EXTENSION].current_limit
    seconds = ratelimit.retry_after(limit.window.reset_time) if limit is not None else 60
    form = ProgressForm(formdata=None)
    return (
        render_template("progress/page.html", form=form, too_many=seconds),
        429,
        {"Retry-After": str(seconds)},
    )


def limit_lookups(app: Flask, limiter: Limiter, settings: Settings) -> None:
    """One budget per client address for the page's lookups (POST) and the API's: beyond it,
    429 (the API's own limits per token and address still apply to its route)."""
    shared = limiter.shared_limit(
        f"{settings.progress_per_minute}/minute",
        scope=SCOPE,
        methods=["POST", "GET"],
        override_defaults=False,
    )
    page_only = limiter.shared_limit(
        f"{settings.progress_per_minute}/minute",
        scope=SCOPE,
        methods=["POST"],
        override_defaults=False,
    )
    app.view_functions["progress.page"] = page_only(app.view_functions["progress.page"])
    app.view_functions["api.progress_lookup"] = shared(app.view_functions["api.progress_lookup"])
