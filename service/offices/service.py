"""Offices and agreements: loading the config data and answering who oversees whom."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from config import CONFIG_DIR
from service.db import transaction_cache
from service.errors import N_, FieldError, ValidationFailed
from service.offices.models import Agreement, Office


def load_offices(session: Session, *, path: Path | None = None) -> int:
    """Insert or update the offices of ``config/offices.toml``; returns how many."""
    data = tomllib.loads((path or CONFIG_DIR / "offices.toml").read_text("utf-8"))
    rows = data["office"]
    # Parents first so the supervisor foreign key always points at an existing row.
    by_code = {row["code"]: row for row in rows}
    ordered: list[dict] = []

    def visit(code: str) -> None:
        row = by_code[code]
        if row in ordered:
            return
        if row.get("supervisor"):
            visit(row["supervisor"])
        ordered.append(row)

    for code in by_code:
        visit(code)
    for row in ordered:
        values = {**row, "supervisor": row.get("supervisor") or None}
        office = session.get(Office, row["code"])
        if office is None:
            session.add(Office(**values))
        else:
            if office.duty_email:  # set by an administrator since: theirs stands
                values.pop("duty_email", None)
            for key, value in values.items():
                setattr(office, key, value)
        session.flush()
    return len(rows)


def load_agreements(session: Session, *, path: Path | None = None) -> int:
    data = tomllib.loads((path or CONFIG_DIR / "agreements.toml").read_text("utf-8"))
    for row in data.get("agreement", []):
        values = {
            "code": row["code"],
            "title": row["title"],
            "office_a": row["offices"][0],
            "office_b": row["offices"][1],
            "valid_from": date.fromisoformat(str(row["valid_from"])),
            "valid_to": date.fromisoformat(str(row["valid_to"])),
        }
        agreement = session.get(Agreement, row["code"])
        if agreement is None:
            session.add(Agreement(**values))
        else:
            for key, value in values.items():
                setattr(agreement, key, value)
    session.flush()
    return len(data.get("agreement", []))


# Bureaus first, then the offices by division.
OFFICE_ORDER = (Office.kind.desc(), Office.division_code)


def all_offices(session: Session) -> list[Office]:
    """Every office, bureaus first; read once per transaction (the rows are held, so
    ``session.get(Office, code)`` finds them without a query too)."""
    cache = transaction_cache(session, "offices")
    if "all" not in cache:
        hold(session, session.exec(select(Office).order_by(*OFFICE_ORDER)))
    return list(cache["all"])


def hold(session: Session, rows) -> None:
    """Keep every office, read in ``OFFICE_ORDER`` along with something else, for the rest of
    the transaction (``all_offices`` reads nothing more)."""
    transaction_cache(session, "offices")["all"] = list(rows)


def operational_offices(session: Session) -> list[Office]:
    """The offices that handle cases (not the bureaus above them)."""
    return [o for o in all_offices(session) if o.kind == "office"]


def office_pools(session: Session) -> dict[str, str]:
    """Pool code by operational office code."""
    return {o.code: o.pool_code for o in operational_offices(session)}


def partner_offices(session: Session, *, office_code: str) -> list[Office]:
    """Offices a case may be sent to: every other operational office."""
    return [o for o in operational_offices(session) if o.code != office_code]


def get_office(session: Session, code: str) -> Office | None:
    return session.get(Office, code)


def require_partner(session: Session, *, office_code: str, field: str, own_office: str) -> Office:
    office = session.get(Office, office_code) if office_code else None
    if office is None or office.kind != "office":
        raise ValidationFailed(
            errors=[FieldError(field, N_("Unknown office “%(code)s”."), {"code": office_code})]
        )
    if office.code == own_office:
        raise ValidationFailed(
            errors=[FieldError(field, N_("A request cannot be sent to your own office."))]
        )
    return office


def overseen_offices(session: Session, *, office_code: str) -> set[str]:
    """The office itself and, for a bureau, every office under it (transitively)."""
    offices = all_offices(session)
    children: dict[str | None, list[str]] = {}
    for office in offices:
        children.setdefault(office.supervisor, []).append(office.code)
    seen = {office_code}
    stack = [office_code]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def agreement_between(session: Session, a: str, b: str) -> Agreement | None:
    """The agreement a referral between ``a`` and ``b`` rests on: the latest one, shown with its
    validity so an expired framework is visible as such."""
    rows = session.exec(select(Agreement).order_by(Agreement.valid_to.desc())).all()
    for agreement in rows:
        if {agreement.office_a, agreement.office_b} == {a, b}:
            return agreement
    return None
