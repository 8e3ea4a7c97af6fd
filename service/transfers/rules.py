"""The relation transfer's rules: its state machine (both offices check; the transfer-out office
issues the 信息表, the transfer-in office completes) and the conditions a transfer must meet.

Pure: values in, values out; a refusal is a ``FieldError`` with a sentence a clerk understands.
"""

from __future__ import annotations

import calendar
import hmac
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from hashlib import sha256

from service import identifiers
from service.cases.rules import CaseFacts, Status, Workflow, answering, transition
from service.errors import N_, FieldError

TRANSFER_OUT = "transfer_out"  # the side of the office the person leaves (转出地)
TRANSFER_IN = "transfer_in"  # the side of the office the person joins (转入地)

# business_status, in order
CHECKING = "checking"
OUT_STEP = "transfer_out"  # the transfer-out office owes the 信息表
IN_STEP = "transfer_in"  # the transfer-in office owes the enrolment
CREDITED = "balance_credited"  # the personal-account balance is credited at the new place
DONE = "completed"

# The case's own fact its steps depend on (``CaseFacts.flags``): a personal-account balance.
BALANCE = "balance"


def balance_flags(balance) -> frozenset[str]:
    """The flags of a transfer with ``balance`` (yuan): a balance above zero is to be credited."""
    return frozenset({BALANCE}) if balance is not None and balance > 0 else frozenset()


def _balance_to_credit(case: CaseFacts) -> str | None:
    if BALANCE not in case.flags:
        return N_("This transfer carries no personal account balance: there is none to credit.")
    return None


def _credited_first(case: CaseFacts) -> str | None:
    if BALANCE in case.flags and case.business_status != CREDITED:
        return N_(
            "The personal account balance is to be recorded as credited before the transfer "
            "is completed."
        )
    return None


WORKFLOW = Workflow.of(
    *answering(accept={"business_from": {CHECKING}, "business_to": OUT_STEP}),
    # the transfer-out office issues the 参保人员基本医疗保险信息表 (and sends the balance)
    transition(
        "issue_form",
        [Status.accepted],
        Status.in_progress,
        by=TRANSFER_OUT,
        notify=TRANSFER_IN,
        business_from={OUT_STEP},
        business_to=IN_STEP,
        owed_step=True,
    ),
    # the transfer-in office, having received the form, credits the balance when there is one
    transition(
        "credit_balance",
        [Status.in_progress],
        Status.in_progress,
        by=TRANSFER_IN,
        notify=TRANSFER_OUT,
        business_from={IN_STEP},
        business_to=CREDITED,
        owed_step=True,
        guard=_balance_to_credit,
    ),
    transition(
        "complete",
        [Status.in_progress],
        Status.completed,
        by=TRANSFER_IN,
        notify=TRANSFER_OUT,
        business_from={IN_STEP, CREDITED},
        business_to=DONE,
        confirm=True,
        owed_step=True,
        guard=_credited_first,
    ),
    extra_sides=(TRANSFER_OUT, TRANSFER_IN),
)


def office_errors(
    *, own_office: str, out_office: str, in_office: str, pools: Mapping[str, str]
) -> list[FieldError]:
    """The two offices: known operational offices, one of them the filer's, in two pools.
    ``pools``: pool code by office code (operational offices only)."""
    errors = [
        FieldError(field, N_("Unknown office “%(code)s”."), {"code": code})
        for field, code in (("transfer_out_office", out_office), ("transfer_in_office", in_office))
        if code not in pools
    ]
    if errors:
        return errors
    if own_office not in (out_office, in_office):
        return [
            FieldError(
                field, N_("One of the two offices must be your own office: it files the transfer.")
            )
            for field in ("transfer_out_office", "transfer_in_office")
        ]
    if pools[out_office] == pools[in_office]:
        return [
            FieldError(
                "transfer_in_office",
                N_(
                    "Both offices are in one pool (%(pool)s): no transfer is needed, the "
                    "person's registration is changed instead."
                ),
                {"pool": pools[in_office]},
            )
        ]
    return []


def retirement_age(id_number: str, ages: Mapping[str, int]) -> int:
    return ages[identifiers.sex(id_number)]


def age_on(id_number: str, today: date) -> int:
    born = identifiers.birth_date(id_number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def condition_errors(
    *,
    id_number: str,
    scheme_out: str,
    scheme_in: str,
    suspended_on: date,
    today: date,
    retirement_ages: Mapping[str, int],
) -> list[FieldError]:
    """The preconditions of DOMAIN.md §3 the system can check."""
    errors = []
    age = age_on(id_number, today)
    limit = retirement_age(id_number, retirement_ages)
    if age >= limit:
        errors.append(
            FieldError(
                "person.id_number",
                N_(
                    "By the ID number this person is %(age)s, at or beyond the retirement age "
                    "of %(limit)s: retirees are outside the transfer procedure; file a retiree "
                    "contribution-years case (退休人员缴费年限核定) instead."
                ),
                {"age": age, "limit": limit},
            )
        )
    if suspended_on > today:
        errors.append(
            FieldError(
                "suspended_on",
                N_(
                    "The enrolment is not suspended yet (suspension date %(date)s lies ahead): "
                    "the transfer-out office suspends it first."
                ),
                {"date": suspended_on.isoformat()},
            )
        )
    elif scheme_out == "resident" and scheme_in == "resident" and suspended_on.year == today.year:
        errors.append(
            FieldError(
                "scheme_in",
                N_(
                    "Resident to resident insurance moves only from the next year: the "
                    "enrolment was suspended in %(year)s, so the person enrols at the new place "
                    "from %(next)s."
                ),
                {"year": today.year, "next": today.year + 1},
            )
        )
    return errors


# --- the 参保人员基本医疗保险信息表 and its verification code ---------------------------------

INFO_FORM_TITLE = "参保人员基本医疗保险信息表"
ISSUED = frozenset({IN_STEP, CREDITED, DONE})  # business statuses once the form is issued


def canonical_json(content: Mapping) -> bytes:
    """The one byte string a form's content is signed as: keys sorted, no spaces, UTF-8."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def office_key(secret_key: str, office: str) -> bytes:
    """The issuing office's own key, derived from the service's secret key: a form verifies only
    under the office that issued it."""
    return hmac.new(
        secret_key.encode("utf-8"), b"info-form:" + office.encode("utf-8"), sha256
    ).digest()


def verification_code(content: Mapping, *, secret_key: str, office: str) -> str:
    return hmac.new(office_key(secret_key, office), canonical_json(content), sha256).hexdigest()


def signed_form(content: Mapping, *, secret_key: str) -> dict:
    """The form with its ``verification_code``, keyed by the office in ``issued_by``."""
    code = verification_code(content, secret_key=secret_key, office=content["issued_by"]["code"])
    return {**content, "verification_code": code}


def verify_form(form: Mapping, *, secret_key: str) -> bool:
    """Whether a form (as issued, ``verification_code`` included) is unchanged: any changed
    byte of its content, or another office's name as issuer, fails."""
    content = {k: v for k, v in form.items() if k != "verification_code"}
    code = form.get("verification_code")
    issuer = content.get("issued_by")
    if not isinstance(code, str) or not isinstance(issuer, Mapping):
        return False
    office = issuer.get("code")
    if not isinstance(office, str):
        return False
    try:
        expected = verification_code(content, secret_key=secret_key, office=office)
    except (TypeError, ValueError):  # content that is no JSON was never issued
        return False
    return hmac.compare_digest(expected, code)


# --- the coverage gap between suspension and enrolment at the new place (DOMAIN.md §3) --------

BACK_PAYMENT_MONTHS = 3  # a gap of at most 3 months: back-payment, benefits retroactive [R]
MAX_WAITING_MONTHS = 6  # a longer gap: the pool's waiting period, at most 6 months [R]
BACK_PAYMENT = "back_payment"
WAITING_PERIOD = "waiting_period"
CONFIDENCE = ("L", "R", "C")


@dataclass(frozen=True)
class Waiting:
    """A pool's waiting period (待遇等待期) after a gap longer than three months."""

    pool_code: str
    months: int
    confidence: str


def parse_waiting(text: str) -> dict[str, Waiting]:
    """Each pool's ``waiting_months`` and ``waiting_confidence`` from config/pools.toml; a
    mistake in the file names the pool and the field."""
    waiting: dict[str, Waiting] = {}
    for row in tomllib.loads(text).get("pool", []):
        code = str(row.get("code", ""))
        name = f"pool {code or '?'}"
        months = row.get("waiting_months")
        if isinstance(months, bool) or not isinstance(months, int):
            raise ValueError(f"{name}: waiting_months must be a whole number of months")
        if not 0 <= months <= MAX_WAITING_MONTHS:
            raise ValueError(f"{name}: waiting_months must be from 0 to {MAX_WAITING_MONTHS}")
        if row.get("waiting_confidence") not in CONFIDENCE:
            raise ValueError(f"{name}: waiting_confidence must be one of {CONFIDENCE}")
        waiting[code] = Waiting(code, months, row["waiting_confidence"])
    return waiting


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_started(start: date, end: date) -> int:
    """The months from ``start`` to ``end``, a month begun counting whole: the least n with
    ``start`` + n months on or after ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    n = (end.year - start.year) * 12 + end.month - start.month
    n = max(n - 1, 0)
    while add_months(start, n) < end:
        n += 1
    return n


@dataclass(frozen=True)
class CoverageGap:
    months: int  # months between suspension and enrolment, a month begun counting whole
    consequence: str  # BACK_PAYMENT or WAITING_PERIOD
    waiting_months: int | None  # the pool's waiting period, when it applies
    confidence: str | None  # of the waiting period configured
    until: date  # the enrolment at the new place, or today while it is still open
    so_far: bool  # the transfer-in is not completed: the gap may still grow


def coverage_gap(
    *, suspended_on: date, enrolled_on: date | None, today: date, waiting: Waiting | None
) -> CoverageGap:
    """The gap from the suspension at the transfer-out side to the enrolment at the transfer-in
    side (``enrolled_on``; before it, ``today``, "so far") and what follows: back-payment with
    retroactive benefits for at most three months, else the transfer-in pool's waiting period."""
    until = enrolled_on if enrolled_on is not None else today
    months = months_started(suspended_on, until)
    if months <= BACK_PAYMENT_MONTHS:
        return CoverageGap(months, BACK_PAYMENT, None, None, until, enrolled_on is None)
    return CoverageGap(
        months,
        WAITING_PERIOD,
        waiting.months if waiting is not None else MAX_WAITING_MONTHS,
        waiting.confidence if waiting is not None else "C",
        until,
        enrolled_on is None,
    )
