"""Flask application factory for the referral service."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from flask import Flask
from werkzeug.routing import IntegerConverter

from config import Settings, get_settings
from service.db import MAX_ROW_ID


def _up_to(limit: int) -> str:
    """A regex for the decimal numbers 1..``limit`` in ASCII digits, no leading zero."""
    digits = str(limit)
    options = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            below = f"[{low}-{int(digit) - 1}]" if int(digit) - 1 > low else str(low)
            options.append(f"{digits[:i]}{below}[0-9]{{{len(digits) - i - 1}}}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class RowIdConverter(IntegerConverter):
    """A row id in a URL: ASCII digits (werkzeug's ``\\d`` also matches "１") of a number the
    database can hold. The regex itself says so, so a URL with any other id matches no route
    at all: 404, never a 405 from a sibling route of another method."""

    regex = _up_to(MAX_ROW_ID)

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's signature
        super().__init__(map, min=1, max=MAX_ROW_ID)


def create_app(
    settings: Settings | None = None,
    *,
    celery: Celery | None = None,
    test_config: dict[str, Any] | None = None,
) -> Flask:
    from service import extensions, ratelimit
    from service.bodies import JSONProvider, Request

    app = _core_app(settings, celery)
    settings = app.config["REFERRAL"]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    app.request_class = Request
    app.json = JSONProvider(app)
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)

    app.url_map.converters["id"] = RowIdConverter
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)

    from service.accounts.views import bp as accounts_bp
    from service.api.openapi import docs_page
    from service.api.register import bp as api_bp
    from service.attachments.views import bp as attachments_bp
    from service.calendar.views import bp as calendar_bp
    from service.cases.views import bp as cases_bp
    from service.notifications.admin_views import bp as channels_admin_bp
    from service.notifications.views import bp as notifications_bp
    from service.progress.views import bp as progress_bp
    from service.progress.views import limit_lookups
    from service.sla.views import bp as sla_bp
    from service.web import register_web

    app.register_blueprint(accounts_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(sla_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(channels_admin_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(api_bp)
    extensions.csrf.exempt(api_bp)
    limit_lookups(app, ratelimit.init_app(app, settings, api_bp), settings)
    _register_kinds(app)
    register_web(app)
    app.add_url_rule("/api/docs", "api_docs", docs_page)
    if settings.trusted_proxies:
        # Behind reverse proxies the peer is the nearest proxy: the client address (for the
        # audit trail and the throttles) and the scheme are believed from exactly that many.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return app


def _core_app(settings: Settings | None, celery: Celery | None) -> Flask:
    """What the web app and a worker share: the settings, the database, the broker and the
    translations."""
    from service import broker, extensions, i18n
    from service.db import Database
    from service.web import template_helpers

    settings = settings or get_settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        REFERRAL=settings,
    )
    Database(settings.sqlalchemy_url).init_app(app)
    broker.init_app(app, celery or broker.make_celery(settings))
    extensions.babel.init_app(app, locale_selector=i18n.select_locale)
    template_helpers(app)
    return app


def worker_app(settings: Settings | None = None, *, celery: Celery | None = None) -> Flask:
    """The app a Celery worker runs its tasks in: no pages, no API, no sign-in — only what the
    tasks use (the database, the broker, the case kinds and the translations of what they
    write), so a worker starts fast and small. In production it refuses to run while demo
    accounts still open with the published demo password, as the web app does."""
    from service.notifications.channels import TEMPLATES

    app = _core_app(settings, celery)
    app.register_blueprint(TEMPLATES)  # the e-mails a worker writes
    _check_kinds()
    if app.config["REFERRAL"].is_production:
        from service.accounts.demo import refuse_demo_in_production

        refuse_demo_in_production(app)
    return app


def _check_kinds():
    """Refuse to start while config/sla.toml and the kinds disagree (a step no kind has, or a
    kind's step without a period)."""
    from service.cases.kinds import registry
    from service.sla.service import step_rules

    kinds = registry()
    kinds.check_steps(step_rules())
    return kinds


def _register_kinds(app: Flask) -> None:
    """Each case kind's pages (once the kinds are checked)."""
    for kind in _check_kinds():
        if kind.blueprint is not None and kind.blueprint.name not in app.blueprints:
            app.register_blueprint(kind.blueprint)


def serving_app(settings: Settings | None = None, *, celery: Celery | None = None) -> Flask:
    """The app a server process runs (gunicorn, a worker): in production it refuses to serve
    while demo accounts still open with the published demo password."""
    app = create_app(settings, celery=celery)
    if app.config["REFERRAL"].is_production:
        from service.accounts.demo import refuse_demo_in_production

        refuse_demo_in_production(app)
    return app
