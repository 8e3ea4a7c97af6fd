"""The ``referral`` command: init, run, user administration and migrations."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from config import PROJECT_ROOT, Settings, get_settings
from service.accounts import demo as demo_data


def _app(settings: Settings | None = None) -> Flask:
    from service import create_app

    return create_app(settings or get_settings())


def upgrade_database(settings: Settings) -> None:
    from alembic import command

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), "heads")


def alembic_config(settings: Settings):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return cfg


def initialise(settings: Settings, *, demo: bool, echo=click.echo) -> dict:
    """Migrate, load offices and agreements, and (demo) users and sample cases when empty."""
    from sqlmodel import func, select

    from service.accounts.models import User
    from service.db import get_session
    from service.offices import service as offices

    if demo and settings.is_production:
        raise click.ClickException("demo data is refused in production mode")
    upgrade_database(settings)
    app = _app(settings)
    summary = {"offices": 0, "users": 0, "cases": 0}
    with app.app_context():
        db = get_session()
        summary["offices"] = offices.load_offices(db)
        offices.load_agreements(db)
        db.commit()
        if demo and db.exec(select(func.count()).select_from(User)).one() == 0:
            summary.update(demo_data.load_demo(db))
    echo(
        f"offices: {summary['offices']}, demo users: {summary['users']}, sample cases: {summary['cases']}"
    )
    if demo:
        echo(demo_data.demo_logins())
    return summary


@click.group(
    cls=FlaskGroup,
    create_app=_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,  # the settings read .env themselves
    set_debug_flag=False,
)
def main() -> None:
    """跨区域医保协作转办服务 — the referral service."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as error:  # say what is wrong with the settings, without a traceback
        raise click.ClickException(
            "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        ) from None


@main.command(with_appcontext=False)
@click.option(
    "--demo", is_flag=True, help="Also create the demo users and sample cases (when empty)."
)
def init(demo: bool) -> None:
    """Migrate the database and load offices (and demo data)."""
    initialise(get_settings(), demo=demo)


@main.group(cls=AppGroup)
def db() -> None:
    """Database migrations."""


@db.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Apply every migration."""
    upgrade_database(get_settings())
    click.echo("database is up to date")


@main.group(cls=AppGroup)
def user() -> None:
    """Add users, change passwords, disable accounts."""


def domain_errors(fn):
    """A refused change is a one-line error naming the field, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from service.errors import DomainError
        from service.i18n import translate_error

        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            messages = [f"{e.field}: {translate_error(e.message, e.params)}" for e in error.errors]
            raise click.ClickException(
                "; ".join(messages) or translate_error(error.message, error.params)
            ) from None

    return wrapper


def _session():
    from service.db import get_session

    return get_session()


@user.command("add")
@click.argument("username")
@click.option("--office", required=True, help="Office code, e.g. jinniu")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["clerk", "investigator", "supervisor", "regional_supervisor", "admin"]),
)
@click.option("--name", default="", help="Display name")
@click.option("--email", default="")
@click.password_option()
@domain_errors
def user_add(username: str, office: str, role: str, name: str, email: str, password: str) -> None:
    """Create a user."""
    from service.accounts import service

    service.add_user(
        _session(),
        username=username,
        password=password,
        office_code=office,
        role=role,
        display_name=name,
        email=email,
    )
    click.echo(f"user {username} added")


@user.command("passwd")
@click.argument("username")
@click.password_option()
@domain_errors
def user_passwd(username: str, password: str) -> None:
    """Set a user's password."""
    from service.accounts import service

    service.set_password(_session(), username=username, password=password)
    click.echo(f"password of {username} changed")


@user.command("disable")
@click.argument("username")
@domain_errors
def user_disable(username: str) -> None:
    """Disable a user and revoke their API tokens."""
    from service.accounts import service

    service.set_active(_session(), username=username, active=False)
    click.echo(f"user {username} disabled")


@main.group(cls=AppGroup)
def calendar() -> None:
    """Working-day calendar: due dates and official holiday schedules."""


@calendar.command("due")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("n", type=click.IntRange(min=0))
@click.option(
    "--calendar-days", is_flag=True, help="Count calendar days (end moved past rest days)."
)
@domain_errors
def calendar_due(start, n: int, calendar_days: bool) -> None:
    """Print the due date of a period of N working days starting on START (YYYY-MM-DD)."""
    from service.calendar import service

    result = service.due(_session(), start.date(), n, calendar_days=calendar_days)
    click.echo(result.date.isoformat() + (" (provisional)" if result.provisional else ""))


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@domain_errors
def calendar_import(file: Path) -> None:
    """Import overrides from a CSV file: date,kind,notice (kind: workday/班 or rest/休)."""
    from service.calendar import service

    count = service.import_overrides(_session(), file)
    click.echo(f"{count} calendar days imported from {file.name}")


def _print_banner(settings: Settings, procs: list[subprocess.Popen]) -> None:
    """Once the web server answers, say where it is (and, in development, who can log in)."""
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and all(p.poll() is None for p in procs):
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((settings.host, settings.port)) == 0:
                break
        time.sleep(0.3)
    url = f"http://{settings.host}:{settings.port}"
    lines = ["", f"  referral service is running at {url}  (Ctrl-C stops web, worker and beat)"]
    if not settings.is_production:
        lines += ["", *("  " + line for line in demo_data.demo_logins().splitlines())]
    click.echo("\n".join(lines) + "\n")


# Options of every `celery worker` the service starts (compose names them too): no start-up
# handshake with other workers (mingle) and no heartbeat chatter among them (gossip); the
# pool and its size are in the Celery settings (``service.broker``).
WORKER_OPTIONS = ("--without-mingle", "--without-gossip")


@main.command(with_appcontext=False)
@click.option("--workers", default=2, show_default=True, help="Web worker processes")
def run(workers: int) -> None:
    """Start web + worker + beat together; Ctrl-C stops them all."""
    from service import serving_app

    settings = get_settings()
    try:
        serving_app(settings)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    bind = f"{settings.host}:{settings.port}"
    beat_schedule = settings.instance_path / "celerybeat-schedule"
    commands = [
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "service.wsgi:app",
        ],
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            "--beat",
            "--loglevel",
            "INFO",
            *WORKER_OPTIONS,
            "--schedule",
            str(beat_schedule),
        ],
    ]
    procs = [subprocess.Popen(cmd, cwd=PROJECT_ROOT) for cmd in commands]
    stop_by: float | None = None  # when stopping: the moment to stop waiting and kill

    def stop(_signum, _frame) -> None:
        nonlocal stop_by
        if stop_by is None:
            stop_by = time.monotonic() + 20
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _print_banner(settings, procs)
    code = 0
    while any(p.poll() is None for p in procs):
        if stop_by is None and any(p.poll() is not None for p in procs):
            code = next(p.returncode for p in procs if p.poll() is not None) or 1
            stop(signal.SIGTERM, None)
        if stop_by is not None and time.monotonic() > stop_by:
            for proc in procs:  # a process that ignores SIGTERM must not keep `run` alive
                if proc.poll() is None:
                    proc.kill()
        time.sleep(0.3)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
