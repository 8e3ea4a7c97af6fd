"""The registration's state machine and its own checks: the office where the person is insured
checks the request (accept, reject, return for completion), then does it and completes it
within 10 working days of filing (config/sla.toml, step ``handle``).

Pure: no Flask, no session; values in, values or a domain error out.
"""

from __future__ import annotations

from collections.abc import Mapping

from service.cases.rules import Side, Status, Workflow, answering, transition
from service.errors import N_, FieldError, ValidationFailed

WORKING = (Status.accepted, Status.in_progress)

# The registration asked for, shown as the case's business step (code → msgid).
ACTIONS = {
    "register": N_("New registration"),  # 参保登记
    "change": N_("Registration change"),  # 变更登记
    "cancel": N_("Deregistration"),  # 注销登记
}
SCHEMES = {
    "employee": N_("Employee basic medical insurance"),  # 职工医保
    "resident": N_("Resident basic medical insurance"),  # 居民医保
}

WORKFLOW = Workflow.of(
    *answering(),
    # 中止办理: pauses the clock; the reason is shown to the filer
    transition(
        "hold",
        WORKING,
        Status.on_hold,
        by=Side.owner,
        notify=Side.filer,
        reason_required=True,
    ),
    transition("resume", [Status.on_hold], Status.in_progress, by=Side.owner, notify=Side.filer),
    transition(
        "complete",
        WORKING,
        Status.completed,
        by=Side.owner,
        notify=Side.filer,
        confirm=True,
    ),
)


def check_pool(pool_code: str, *, office_pools: Mapping[str, str]) -> None:
    """``pool_code`` must be the pool of a configured office (``office_pools``: code → pool)."""
    pools = sorted({p for p in office_pools.values() if p})
    if pool_code not in pools:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "pool_code",
                    N_("Unknown pool “%(code)s”; the pools of the offices are %(pools)s."),
                    {"code": pool_code, "pools": ", ".join(pools)},
                )
            ]
        )


def check_receiver_in_pool(receiver: str, receiver_pool: str, pool_code: str) -> None:
    """A registration is done by an office of the person's pool: one outside it cannot."""
    if receiver_pool != pool_code:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "receiving_office",
                    N_(
                        "%(office)s is in pool %(its_pool)s, not %(pool)s: a registration is done "
                        "by an office of the person's pool."
                    ),
                    {"office": receiver, "its_pool": receiver_pool, "pool": pool_code},
                )
            ]
        )
