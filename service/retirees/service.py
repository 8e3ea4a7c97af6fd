"""The retiree kind's reads of configuration and offices: the pools' minimums, the offices of
each pool, and the assessment of a filing with the office that settles it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from config import CONFIG_DIR
from service.accounts.models import User
from service.audit import service as audit
from service.cases import service as cases
from service.errors import N_, FieldError, NotFound, ValidationFailed
from service.offices import service as offices
from service.retirees import rules
from service.retirees.models import RetireeCase, RetireeCaseCreate

POOLS_FILE = CONFIG_DIR / "pools.toml"


def load_pools(path: Path = POOLS_FILE) -> rules.PoolConfig:
    return rules.parse_pools(path.read_text("utf-8"))


@lru_cache
def pool_config() -> rules.PoolConfig:
    """config/pools.toml, read once; a broken file stops the service at start (kind.py)."""
    return load_pools()


def pool_offices(session: Session) -> dict[str, list[str]]:
    """Operational offices by pool code."""
    by_pool: dict[str, list[str]] = {}
    for office in offices.all_offices(session):
        if office.kind == "office":
            by_pool.setdefault(office.pool_code, []).append(office.code)
    return by_pool


@dataclass
class Evaluation:
    assessment: rules.Assessment | None = None
    office: str | None = None  # the settling office the case goes to
    candidates: list[str] = field(default_factory=list)  # the settling pool's other offices
    errors: list[FieldError] = field(default_factory=list)


def evaluate(session: Session, *, actor: User, data: RetireeCaseCreate) -> Evaluation:
    """Every check of a filing at once: the person against the ID number, the years and the
    settling pool, the office the case goes to. The errors of each part are collected."""
    result = Evaluation()
    try:
        rules.check_person(data.person.id_number, data.sex, data.birth_date, data.retirement_date)
    except ValidationFailed as error:
        result.errors += error.errors
    try:
        rules.check_periods(data.periods)
    except ValidationFailed as error:
        result.errors += error.errors
    try:
        result.assessment = rules.assess(data.periods, data.sex, pool_config())
    except ValidationFailed as error:
        result.errors += error.errors
        return result
    pool = result.assessment.settling_pool
    in_pool = pool_offices(session).get(pool, [])
    names = {o.code: o.short_name for o in offices.all_offices(session)}
    rule = pool_config().pools.get(pool)
    names[pool] = f"{rule.name}（{pool}）" if rule else pool
    result.candidates = sorted(o for o in in_pool if o != actor.office_code)
    try:
        result.office = rules.settling_office(
            result.assessment.settling_pool,
            in_pool,
            filer=actor.office_code,
            named=data.receiving_office,
            names=names,
        )
    except ValidationFailed as error:
        result.errors += error.errors
    return result


def detail_row(data: RetireeCaseCreate, evaluation: Evaluation) -> RetireeCase:
    a = evaluation.assessment
    return RetireeCase(
        person_name=data.person.name,
        id_number=data.person.id_number,
        phone=data.person.phone,
        sex=data.sex,
        birth_date=data.birth_date,
        retirement_date=data.retirement_date,
        periods=[p.model_dump(mode="json") for p in data.periods],
        total_years=a.total_years,
        minimum_years=a.minimum_years,
        shortfall_years=a.shortfall_years,
        settling_pool=a.settling_pool,
        settling_office=evaluation.office,
        minimum_confidence=a.minimum_confidence,
        settlement_confidence=a.settlement_confidence,
    )


def read_details(row: RetireeCase) -> dict:
    """The API's ``details``: the inputs and the assessment, years as strings with one
    decimal (never a float)."""
    return {
        "person": {"name": row.person_name, "id_number": row.id_number, "phone": row.phone},
        "sex": row.sex,
        "birth_date": row.birth_date.isoformat(),
        "retirement_date": row.retirement_date.isoformat(),
        "periods": row.periods,
        "total_years": f"{row.total_years:.1f}",
        "minimum_years": f"{row.minimum_years:.1f}",
        "shortfall_years": f"{row.shortfall_years:.1f}",
        "minimum_met": row.shortfall_years == 0,
        "settling_pool": row.settling_pool,
        "settling_office": row.settling_office,
        "confidence": {
            "minimum_years": row.minimum_confidence,
            "settling_office": row.settlement_confidence,
        },
    }


def open_letter(
    session: Session,
    *,
    actor: User,
    case_id: int,
    ip: str = "",
    action: str = "retiree.letter_view",
):
    """The case and its detail row for the printable result letter. The letter shows the full
    ID number, so every opening is audited (DOMAIN.md §5), as ``action``
    (``retiree.letter_pdf`` for the PDF's download)."""
    case = cases.get_visible(session, actor=actor, case_id=case_id)
    row = session.get(RetireeCase, case.id)
    if row is None:  # another kind's case
        raise NotFound(N_("No such case."))
    audit.record(
        session,
        action=action,
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        number=case.number,
    )
    session.commit()
    return case, row
