"""Web-wide pieces: template helpers, the header's inbox count, language switch, error pages."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service import labels
from service.cases.kinds import registry
from service.cases.rules import CASE_WORKERS
from service.db import get_session
from service.i18n import LOCALES, format_local


def register_web(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["action_label"] = lambda action: labels.ACTION.get(action, action)
    app.jinja_env.globals.update(labels=labels, get_locale=get_locale, case_workers=CASE_WORKERS)

    @app.context_processor
    def _header() -> dict:
        from service.db import LOCAL_TZ, utcnow

        today = utcnow().astimezone(LOCAL_TZ).date()
        if not current_user.is_authenticated:
            return {"unread_count": 0, "my_office": None, "today": today, "may_file": False}
        from service.notifications.service import unread_count
        from service.offices.models import Office

        db = get_session()
        return {
            "unread_count": unread_count(db, office_code=current_user.office_code),
            "my_office": db.get(Office, current_user.office_code),
            "today": today,
            "may_file": bool(registry().with_forms(current_user.role)),
        }

    @app.context_processor
    def _calendar_banner() -> dict:
        # Admins are told on every page when a year's official holiday schedule is missing.
        if getattr(current_user, "role", None) != "admin":
            return {"calendar_missing_years": []}
        from service.calendar.service import missing_soon

        return {"calendar_missing_years": missing_soon(get_session())}

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in LOCALES:
            session["lang"] = code
        target = request.referrer or url_for("cases.home")
        if not target.startswith(request.host_url):
            target = url_for("cases.home")
        return redirect(target)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers and bookmark tools ask for /favicon.ico whatever the page links to.
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text

        get_session().execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if request.path.startswith("/api/"):
            return error
        return render_template("error.html", code=400, csrf=True), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if request.path.startswith("/api/"):
            from service.api.problems import http_problem

            return http_problem(error)
        return render_template("error.html", code=error.code), error.code or 500

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        if request.path.startswith("/api/"):
            from service.api.problems import problem

            return problem(500, "internal", "Internal error")
        return render_template("error.html", code=500), 500
