"""The transfer's coverage gap on its case: from the suspension to the enrolment at the new
place (the day the transfer-in office completed; before that, today, "so far"), with what
follows under the transfer-in pool's waiting period from config/pools.toml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from config import CONFIG_DIR
from service.cases.models import Case, CaseEvent
from service.db import LOCAL_TZ
from service.offices.models import Office
from service.sla.service import local_today
from service.transfers import rules
from service.transfers.models import TransferCase, read_details
from service.transfers.views import bp

POOLS_FILE = CONFIG_DIR / "pools.toml"
ENDED = frozenset({"rejected", "cancelled"})  # no enrolment follows: no gap to speak of


def load_waiting(path: Path = POOLS_FILE) -> dict[str, rules.Waiting]:
    return rules.parse_waiting(path.read_text("utf-8"))


@lru_cache
def waiting_config() -> dict[str, rules.Waiting]:
    """config/pools.toml's waiting periods, read once; a broken file stops the service at
    start (kind.py reads it on import)."""
    return load_waiting()


def coverage_gap(session: Session, row: TransferCase) -> rules.CoverageGap | None:
    """The gap of the transfer ``row``; None for a refused or withdrawn transfer."""
    case = session.get(Case, row.case_id)
    if case is None or case.status in ENDED:
        return None
    enrolled_on = None
    if case.status == "completed":
        done = session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "complete")
            .order_by(CaseEvent.at.desc())
        ).first()
        if done is not None:
            enrolled_on = done.at.astimezone(LOCAL_TZ).date()
    office = session.get(Office, row.transfer_in_office)
    return rules.coverage_gap(
        suspended_on=row.suspended_on,
        enrolled_on=enrolled_on,
        today=local_today(),
        waiting=waiting_config().get(office.pool_code) if office is not None else None,
    )


def gap_read(gap: rules.CoverageGap | None) -> dict | None:
    if gap is None:
        return None
    return {
        "months": gap.months,
        "consequence": gap.consequence,
        "waiting_months": gap.waiting_months,
        "confidence": gap.confidence,
        "until": gap.until.isoformat(),
        "so_far": gap.so_far,
    }


def read_details_with_gap(row: TransferCase | None) -> dict:
    """The API's ``details`` with the ``coverage_gap``."""
    details = read_details(row)
    if row is None:
        return details
    session = object_session(row)
    details["coverage_gap"] = gap_read(coverage_gap(session, row)) if session else None
    return details


@bp.app_template_global("transfer_coverage_gap")
def transfer_coverage_gap(row: TransferCase) -> rules.CoverageGap | None:
    session = object_session(row)
    return coverage_gap(session, row) if session is not None else None
