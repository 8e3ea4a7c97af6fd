"""退休人员缴费年限核定 as pure rules: each pool's minimum years (config/pools.toml), the years a
person has across pools, the pool that settles (待遇享受地) and the shortfall; which office the
case goes to; and the kind's state machine.

No Flask, no session: values in, values out, or a ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Protocol

from service import identifiers
from service.cases.rules import Side, Status, Workflow, answering, transition
from service.errors import N_, FieldError, ValidationFailed

SEXES = ("male", "female")
CONFIDENCE = ("L", "R", "C")
# latest_period: the pool of the latest insured period settles; longest: the pool with the
# most years (ties: the latest of them). Both are working assumptions [C] (DOMAIN.md §3).
SETTLEMENT_RULES = ("latest_period", "longest")
TENTH = Decimal("0.1")
ZERO = Decimal("0.0")


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolRule:
    code: str
    name: str
    minimum: Mapping[str, Decimal]  # by sex: cumulative years (actual + deemed) at retirement
    confidence: str


@dataclass(frozen=True)
class Settlement:
    rule: str
    confidence: str


@dataclass(frozen=True)
class PoolConfig:
    pools: Mapping[str, PoolRule]
    settlement: Settlement


def _years(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{where} must be a number of years (a whole number or a string)")
    try:
        years = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where} must be a number of years") from None
    if not years.is_finite() or years < 0 or years > 80 or years != years.quantize(TENTH):
        raise ValueError(f"{where} must be from 0 to 80 years, with at most one decimal")
    return years.quantize(TENTH)


def parse_pools(text: str) -> PoolConfig:
    """Read config/pools.toml; a mistake in the file names the pool and the field."""
    data = tomllib.loads(text)
    pools: dict[str, PoolRule] = {}
    for row in data.get("pool", []):
        code = str(row.get("code", ""))
        name = f"pool {code or '?'}"
        if len(code) != 6 or not code.isdigit():
            raise ValueError(f"{name}: code must be the 6-digit division code of the pool")
        if code in pools:
            raise ValueError(f"{name}: appears twice")
        if row.get("confidence") not in CONFIDENCE:
            raise ValueError(f"{name}: confidence must be one of {CONFIDENCE}")
        minimum = {}
        for sex in SEXES:
            if f"{sex}_years" not in row:
                raise ValueError(f"{name}: {sex}_years is missing")
            minimum[sex] = _years(row[f"{sex}_years"], f"{name}: {sex}_years")
        pools[code] = PoolRule(code, str(row.get("name", code)), minimum, row["confidence"])
    if not pools:
        raise ValueError("pools: no [[pool]] is configured")
    settlement = data.get("settlement", {})
    if settlement.get("rule") not in SETTLEMENT_RULES:
        raise ValueError(f"settlement: rule must be one of {SETTLEMENT_RULES}")
    if settlement.get("confidence") not in CONFIDENCE:
        raise ValueError(f"settlement: confidence must be one of {CONFIDENCE}")
    return PoolConfig(pools, Settlement(settlement["rule"], settlement["confidence"]))


# --- the assessment ------------------------------------------------------------------------


class Period(Protocol):
    """An insured period as ``service.people.InsuredPeriod`` carries it."""

    pool_code: str
    start: str  # YYYY-MM
    end: str
    actual_years: Decimal
    deemed_years: Decimal


@dataclass(frozen=True)
class Assessment:
    years_by_pool: Mapping[str, Decimal]  # actual + deemed, per pool, in the order first seen
    total_years: Decimal  # one decimal
    settling_pool: str
    minimum_years: Decimal
    shortfall_years: Decimal  # ≥ 0: what is still to be paid up
    minimum_confidence: str  # of the settling pool's minimum
    settlement_confidence: str  # of the rule that chose the settling pool

    @property
    def met(self) -> bool:
        return self.shortfall_years == 0


def years_by_pool(periods: Iterable[Period]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for p in periods:
        totals[p.pool_code] = totals.get(p.pool_code, ZERO) + p.actual_years + p.deemed_years
    return {code: years.quantize(TENTH, ROUND_HALF_UP) for code, years in totals.items()}


def settling_index(periods: Sequence[Period], rule: str) -> int:
    """The period whose pool settles: the latest (by end, then start; a tie goes to the one
    listed last) or, under ``longest``, the latest period of the pool with the most years."""
    latest = max(range(len(periods)), key=lambda i: (periods[i].end, periods[i].start, i))
    if rule == "latest_period":
        return latest
    totals = years_by_pool(periods)
    top = max(totals.values())
    return max(
        (i for i, p in enumerate(periods) if totals[p.pool_code] == top),
        key=lambda i: (periods[i].end, periods[i].start, i),
    )


def assess(periods: Sequence[Period], sex: str, config: PoolConfig) -> Assessment:
    """Total years (actual + deemed, summed across pools), the settling pool and its minimum
    for ``sex``, and the shortfall."""
    if not periods:
        raise ValidationFailed(
            errors=[FieldError("periods", N_("Enter at least one insured period."))]
        )
    if sex not in SEXES:
        raise ValidationFailed(errors=[FieldError("sex", N_("Choose male or female."))])
    index = settling_index(periods, config.settlement.rule)
    pool = periods[index].pool_code
    rule = config.pools.get(pool)
    if rule is None:
        raise ValidationFailed(
            errors=[
                FieldError(
                    f"periods[{index}].pool_code",
                    N_(
                        "Pool %(pool)s would settle, but no minimum contribution years are "
                        "configured for it."
                    ),
                    {"pool": pool},
                )
            ]
        )
    by_pool = years_by_pool(periods)
    total = sum(by_pool.values(), ZERO).quantize(TENTH, ROUND_HALF_UP)
    minimum = rule.minimum[sex]
    return Assessment(
        years_by_pool=by_pool,
        total_years=total,
        settling_pool=pool,
        minimum_years=minimum,
        shortfall_years=max(ZERO, minimum - total).quantize(TENTH),
        minimum_confidence=rule.confidence,
        settlement_confidence=config.settlement.confidence,
    )


def check_periods(periods: Sequence[Period]) -> None:
    """No month is insured twice: contributions for the same months in two places are not
    counted twice (a working assumption [C]), so overlapping periods are to be corrected."""
    errors = []
    for i, p in enumerate(periods):
        for j in range(i):
            q = periods[j]
            if p.start <= q.end and q.start <= p.end:
                errors.append(
                    FieldError(
                        f"periods[{i}].start",
                        N_(
                            "This period overlaps period %(other)s: the same months are not "
                            "counted twice."
                        ),
                        {"other": j + 1},
                    )
                )
                break
    if errors:
        raise ValidationFailed(errors=errors)


def check_person(id_number: str, sex: str, birth_date: date, retirement_date: date) -> None:
    """Sex and birth date agree with the (checked) ID number; retirement follows birth."""
    errors = []
    if identifiers.sex(id_number) != sex:
        errors.append(
            FieldError("sex", N_("The sex does not match the ID number (its 17th digit)."))
        )
    born = identifiers.birth_date(id_number)
    if born != birth_date:
        errors.append(
            FieldError(
                "birth_date",
                N_("The birth date does not match the ID number (%(born)s)."),
                {"born": born.isoformat()},
            )
        )
    if retirement_date <= birth_date:
        errors.append(
            FieldError("retirement_date", N_("The retirement date must come after the birth date."))
        )
    if errors:
        raise ValidationFailed(errors=errors)


def settling_office(
    pool: str,
    pool_offices: Sequence[str],
    *,
    filer: str,
    named: str | None,
    names: Mapping[str, str] | None = None,
) -> str:
    """The office the case goes to: the one the filer names, which must belong to the settling
    pool; or, when the pool has one office besides the filer's, that one. ``names``: how the
    messages call the pool and the offices (their codes otherwise)."""
    names = names or {}
    candidates = sorted(o for o in pool_offices if o != filer)

    def listed(codes: Iterable[str]) -> str:
        return "、".join(names.get(code, code) for code in sorted(codes))

    pool = names.get(pool, pool)
    if not pool_offices:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "periods",
                    N_("No office here belongs to the settling pool %(pool)s."),
                    {"pool": pool},
                )
            ]
        )
    if named:
        if named == filer:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "receiving_office", N_("A request cannot be sent to your own office.")
                    )
                ]
            )
        if named not in pool_offices:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "receiving_office",
                        N_(
                            "Pool %(pool)s settles this retiree: the receiving office must be "
                            "one of its offices (%(offices)s)."
                        ),
                        {"pool": pool, "offices": listed(pool_offices)},
                    )
                ]
            )
        return named
    if not candidates:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "receiving_office",
                    N_("Your own office settles this retiree: no request to another office."),
                )
            ]
        )
    if len(candidates) > 1:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "receiving_office",
                    N_("Pool %(pool)s has several offices: choose one (%(offices)s)."),
                    {"pool": pool, "offices": listed(candidates)},
                )
            ]
        )
    return candidates[0]


# --- the state machine ---------------------------------------------------------------------


WORKFLOW = Workflow.of(
    *answering(),
    # the settling office confirms the years (and any shortfall paid up) and closes the case
    transition(
        "complete",
        [Status.accepted],
        Status.completed,
        by=Side.owner,
        notify=Side.filer,
        confirm=True,
    ),
)
