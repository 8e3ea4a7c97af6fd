"""The relation transfer as a registered kind: its checks at filing, parties, texts and steps."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from flask import request, url_for
from sqlmodel import Session, select

from config import CONFIG_DIR
from service import identifiers
from service.accounts.models import User
from service.cases.kinds import CaseKind, EventText, Filing
from service.cases.models import Case
from service.cases.service import FINAL_VALUES
from service.errors import N_, Conflict, FieldError, ValidationFailed
from service.i18n import in_working_language
from service.offices import service as offices
from service.sla.service import local_today
from service.transfers import rules
from service.transfers.forms import TransferForm, form_data
from service.transfers.gap import read_details_with_gap, waiting_config
from service.transfers.models import TransferCase, TransferCaseCreate
from service.transfers.views import bp


@lru_cache
def retirement_ages() -> dict[str, int]:
    """Retirement age by sex, from config/retirement.toml (a [C] value, edited there)."""
    data = tomllib.loads((CONFIG_DIR / "retirement.toml").read_text("utf-8"))
    return {"male": int(data["age"]["male"]), "female": int(data["age"]["female"])}


# A broken waiting period in config/pools.toml stops the service at start, naming the pool.
waiting_config()


def open_transfers_for(session: Session, id_numbers) -> dict[str, Case]:
    """The open (not final) transfer of each of these people that has one, the oldest."""
    found: dict[str, Case] = {}
    numbers = sorted(set(id_numbers))
    for start in range(0, len(numbers), 500):
        rows = session.exec(
            select(TransferCase.id_number, Case)
            .join(Case, TransferCase.case_id == Case.id)
            .where(
                TransferCase.id_number.in_(numbers[start : start + 500]),
                Case.status.not_in(FINAL_VALUES),
            )
            .order_by(Case.id)
        ).all()
        for number, case in rows:
            found.setdefault(number, case)
    return found


def open_transfer_for(session: Session, id_number: str) -> Case | None:
    """An open (not final) transfer case for the same person, if any."""
    return open_transfers_for(session, [id_number]).get(id_number)


def filing_errors(
    data: TransferCaseCreate, *, own_office: str, pools: dict[str, str], today
) -> list[FieldError]:
    """What the transfer's rules refuse in a well-formed filing (offices, pool, conditions);
    the open transfer of the same person is looked up apart."""
    errors = rules.office_errors(
        own_office=own_office,
        out_office=data.transfer_out_office,
        in_office=data.transfer_in_office,
        pools=pools,
    )
    errors += rules.condition_errors(
        id_number=data.person.id_number,
        scheme_out=data.scheme_out,
        scheme_in=data.scheme_in,
        suspended_on=data.suspended_on,
        today=today,
        retirement_ages=retirement_ages(),
    )
    return errors


def prepare(session: Session, actor: User, data: TransferCaseCreate) -> Filing:
    errors = filing_errors(
        data, own_office=actor.office_code, pools=offices.office_pools(session), today=local_today()
    )
    if errors:
        raise ValidationFailed(errors=errors)
    open_case = open_transfer_for(session, data.person.id_number)
    if open_case is not None:
        raise Conflict(
            N_("An open transfer for this person exists already: %(number)s."),
            number=open_case.number,
        )
    out_office, in_office = data.transfer_out_office, data.transfer_in_office
    receiver = in_office if actor.office_code == out_office else out_office
    names = {o.code: o.short_name for o in offices.all_offices(session)}
    return Filing(
        receiving_office=receiver,
        title=in_working_language(
            N_("Insurance relation transfer: %(name)s"), name=data.person.name
        ),
        description=in_working_language(
            N_("Transfer out at %(out_office)s, transfer in at %(in_office)s."),
            out_office=names[out_office],
            in_office=names[in_office],
        ),
        parties=((out_office, rules.TRANSFER_OUT), (in_office, rules.TRANSFER_IN)),
        details=TransferCase.from_create(data),
        business_status=rules.CHECKING,
    )


def registration_link(
    *, own_office: str, out_office: str, in_office: str, pool_code: str, form: TransferForm
) -> str:
    """A transfer inside one pool is a registration change: the registration form, filled in
    with the person's data, for the other office of the two."""
    person = form.person.form
    return url_for(
        "cases.new_case",
        kind_code="registration",
        action="change",
        receiving_office=in_office if own_office == out_office else out_office,
        name=(person.name.data or "").strip(),
        id_number=(person.id_number.data or "").strip(),
        phone=(person.phone.data or "").strip(),
        scheme=form.scheme_in.data or "",
        pool_code=pool_code,
    )


def form_context(form: TransferForm, session: Session, actor: User) -> dict:
    everyone = offices.operational_offices(session)
    form.offer_offices(everyone, own_office=actor.office_code)
    context: dict = {"registration_link": None, "open_case": None}
    if request.method == "GET":
        return context
    pools = {o.code: o.pool_code for o in everyone}
    out_office, in_office = form.transfer_out_office.data, form.transfer_in_office.data
    if (
        out_office in pools
        and in_office in pools
        and out_office != in_office
        and pools[out_office] == pools[in_office]
        and actor.office_code in (out_office, in_office)
    ):
        context["registration_link"] = registration_link(
            own_office=actor.office_code,
            out_office=out_office,
            in_office=in_office,
            pool_code=pools[in_office],
            form=form,
        )
    try:
        number = identifiers.citizen_id(form.person.form.id_number.data or "")
    except identifiers.InvalidIdentifier:
        return context
    context["open_case"] = open_transfer_for(session, number)
    return context


KIND = CaseKind(
    code="transfer",
    label=N_("Insurance relation transfer"),
    description=N_("Move a person's basic medical insurance between pools (基本医保关系转移接续)."),
    create_model=TransferCaseCreate,
    workflow=rules.WORKFLOW,
    prepare=prepare,
    steps=(rules.OUT_STEP, rules.IN_STEP),
    detail_model=TransferCase,
    personal_fields=("person.id_number",),
    person_id_of=lambda row: row.id_number if row is not None else None,
    read_details=read_details_with_gap,
    flags=lambda row: rules.balance_flags(row.account_balance if row is not None else None),
    business_steps={
        rules.CHECKING: N_("Both offices check the conditions"),
        rules.OUT_STEP: N_("Transfer out: the information form is due"),
        rules.IN_STEP: N_("Transfer in: enrolment at the new place is due"),
        rules.CREDITED: N_("Balance credited: the transfer in is to be completed"),
        rules.DONE: N_("Transfer completed"),
    },
    events={
        "file": EventText(
            "transfer.requested",
            N_("Transfer received"),
            N_("%(office)s sent a relation transfer: %(number)s %(title)s"),
        ),
        "receive": EventText(
            "transfer.received",
            N_("Transfer opened"),
            N_("%(office)s has read: %(number)s %(title)s"),
        ),
        "accept": EventText(
            "transfer.accepted",
            N_("Transfer accepted"),
            N_("%(office)s accepted the transfer: %(number)s %(title)s"),
        ),
        "reject": EventText(
            "transfer.rejected",
            N_("Transfer refused"),
            N_("%(office)s refused the transfer: %(number)s %(title)s"),
        ),
        "return": EventText(
            "transfer.returned",
            N_("Transfer returned for completion"),
            N_("%(office)s returned the transfer for completion: %(number)s %(title)s"),
        ),
        "resubmit": EventText(
            "transfer.resubmitted",
            N_("Transfer resubmitted"),
            N_("%(office)s completed and resubmitted the transfer: %(number)s %(title)s"),
        ),
        "cancel": EventText(
            "transfer.cancelled",
            N_("Transfer withdrawn"),
            N_("%(office)s withdrew the transfer: %(number)s %(title)s"),
        ),
        "issue_form": EventText(
            "transfer.form_issued",
            N_("Information form issued"),
            N_("%(office)s issued the insurance information form: %(number)s %(title)s"),
        ),
        "credit_balance": EventText(
            "transfer.balance_credited",
            N_("Account balance credited"),
            N_("%(office)s credited the personal account balance: %(number)s %(title)s"),
        ),
        "complete": EventText(
            "transfer.completed",
            N_("Transfer completed"),
            N_("%(office)s completed the transfer in: %(number)s %(title)s"),
        ),
    },
    details_template="transfers/_details.html",
    form=TransferForm,
    form_template="transfers/new.html",
    form_data=form_data,
    form_context=form_context,
    blueprint=bp,
)
