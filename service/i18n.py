"""Locale selection (zh_CN first, English second) and Asia/Shanghai formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_babel import gettext

LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    chosen = session.get("lang") if request else None
    if chosen in LOCALES:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")


def local_time(value: datetime | None) -> datetime | None:
    """Stored naive UTC → aware Asia/Shanghai."""
    if value is None:
        return None
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = local_time(value)
    return local.strftime(fmt) if local else ""


def translate_error(message: str, params: dict) -> str:
    if not params:
        return gettext(message)
    from service import labels

    # Codes in a message read as words: “accept” → “受理”, “requested” → “已提交”.
    named = {"action": labels.ACTION, "status": labels.STATUS}
    params = {k: str(named[k].get(v, v)) if k in named else v for k, v in params.items()}
    try:
        return gettext(message, **params)
    except (KeyError, ValueError, TypeError):  # a message and its parameters out of step
        return gettext(message)


def in_working_language(message: str, **params: object) -> str:
    """A text kept for the offices (notification titles and bodies): in the service's default
    language, whatever language the user who caused it reads the pages in."""
    text = _working_translations().gettext(message)
    return text % params if params else text


def _working_translations():
    """The default language's catalog, looked up once per app (switching the locale for each
    text costs more than the rest of writing it)."""
    from flask_babel import force_locale, get_domain

    cached = current_app.extensions.get("working_translations")
    if cached is None:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
            cached = get_domain().get_translations()
        current_app.extensions["working_translations"] = cached
    return cached
