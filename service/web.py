"""Web-wide pieces: template helpers, the header's inbox count, language switch, error pages,
and the security headers of every answer."""

from __future__ import annotations

from flask import Flask, Response, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from service import labels
from service.cases.kinds import registry
from service.cases.rules import CASE_WORKERS
from service.db import get_session
from service.i18n import LOCALES, format_local

# Every script, stylesheet, font and image is served by the app itself; no inline script or
# style anywhere (page behaviour is in static/app.js), so nothing injected can run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
# The database unreachable: what the pool raises (connection refused or lost, server shutting
# down, SQLite locked for too long). Clients are told to come back after RETRY_AFTER_SECONDS.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def template_helpers(app: Flask) -> None:
    """What every template may use, pages and e-mails alike."""
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["action_label"] = lambda action: labels.ACTION.get(action, action)
    app.jinja_env.globals.update(labels=labels, get_locale=get_locale, case_workers=CASE_WORKERS)


def register_web(app: Flask) -> None:
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
            "unread_count": unread_count(db, actor=current_user),
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

    production = app.config["REFERRAL"].is_production

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # A response that set its own policy keeps it (evidence downloads: sandboxed).
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")  # browsers without frame-ancestors
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Case content must not stay in a browser's or a proxy's cache: no API answer and no
        # page is stored (the pages without a login hold a CSRF token at most); static files
        # are the same for everybody and may be kept.
        if request.endpoint != "static" and "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        return response

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
        """Liveness: the process answers (a database outage is not a reason to restart it)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """Readiness: the database and the broker are reachable (503 naming what is not)."""
        from service.broker import broker_reachable

        checks = {"database": _database_reachable(), "broker": broker_reachable(app)}
        ready = all(checks.values())
        body = {"status": "ok" if ready else "unavailable"}
        body.update({name: "ok" if up else "unreachable" for name, up in checks.items()})
        headers = {} if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return body, 200 if ready else 503, headers

    def _database_reachable() -> bool:
        from sqlalchemy import text

        try:
            get_session().execute(text("SELECT 1"))
            get_session().rollback()
        except DATABASE_DOWN:
            _roll_back()
            return False
        return True

    def _roll_back() -> None:
        # An error page runs queries of its own (the header's inbox count): never inside the
        # transaction the failure aborted.
        try:
            get_session().rollback()
        except Exception:
            app.logger.warning("rollback before the error page failed", exc_info=True)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        _roll_back()
        if request.path.startswith("/api/"):
            return error
        return render_template("error.html", code=400, csrf=True), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        _roll_back()
        if request.path.startswith("/api/"):
            from service.api.problems import http_problem

            return http_problem(error)
        # Werkzeug's own headers for the error (Allow on a 405), but the page is ours.
        headers = [h for h in error.get_headers() if h[0].lower() != "content-type"]
        return render_template("error.html", code=error.code), error.code or 500, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: Exception):
        """The database cannot be reached (down, restarting, out of connections): a 503 with
        ``Retry-After``, as problem+json or as a page that needs no database itself; the pool
        drops its broken connections and connects afresh when it is back, no restart needed."""
        app.logger.warning("database unavailable: %s", getattr(error, "orig", error))
        _roll_back()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            from service.api.problems import problem

            with force_locale("zh_CN"):
                title = gettext("Service temporarily unavailable")
                detail = gettext("The database cannot be reached. Nothing was saved; try again.")
            return problem(503, "unavailable", title, detail, headers=headers)
        # rendered without the context processors: they read the database
        page = app.jinja_env.get_template("unavailable.html").render(
            retry_after=RETRY_AFTER_SECONDS
        )
        return Response(page, 503, headers, mimetype="text/html")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        _roll_back()
        if request.path.startswith("/api/"):
            from service.api.problems import problem

            return problem(500, "internal", "Internal error")
        return render_template("error.html", code=500), 500
