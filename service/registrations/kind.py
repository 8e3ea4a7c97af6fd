"""The registration as a registered kind: its checks at filing, its form (with the values a
link may carry, e.g. from a same-pool "transfer"), its texts and its deadline step."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlmodel import Session
from wtforms.fields.choices import SelectChoice

from service.accounts.models import User
from service.cases.kinds import CaseKind, EventText, Filing
from service.errors import N_
from service.i18n import in_working_language
from service.offices import service as offices
from service.registrations import rules
from service.registrations.forms import RegistrationForm, form_data
from service.registrations.models import RegistrationCase, RegistrationCaseCreate, read_details
from service.validation import has_control_characters

bp = Blueprint("registrations", __name__, template_folder="templates")

# Query parameters that prefill the form (GET only) → the form's fields.
PREFILL = {
    "action": "action",
    "receiving_office": "receiving_office",
    "name": "person.name",
    "id_number": "person.id_number",
    "phone": "person.phone",
    "scheme": "scheme",
    "pool_code": "pool_code",
}
PREFILL_MAX = 50


def prepare(session: Session, actor: User, data: RegistrationCaseCreate) -> Filing:
    rules.check_pool(data.pool_code, office_pools=offices.office_pools(session))
    receiver = offices.require_partner(
        session,
        office_code=data.receiving_office,
        field="receiving_office",
        own_office=actor.office_code,
    )
    rules.check_receiver_in_pool(receiver.short_name, receiver.pool_code, data.pool_code)
    person = data.person
    title = in_working_language(
        N_("%(action)s: %(name)s"),
        action=in_working_language(rules.ACTIONS[data.action]),
        name=person.name,
    )
    return Filing(
        receiving_office=receiver.code,
        title=title,
        description=data.description,
        details=RegistrationCase(
            action=data.action,
            person_name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            scheme=data.scheme,
            pool_code=data.pool_code,
        ),
        business_status=data.action,
    )


def _prefill(form: RegistrationForm) -> bool:
    """Shows the values a link carries; they are checked like typed ones when sent."""
    filled = False
    for param, name in PREFILL.items():
        value = request.args.get(param, "").strip()[:PREFILL_MAX]
        if value and not has_control_characters(value):
            getattr(form, name).data = value  # a dotted name: the field there
            filled = True
    return filled


def form_context(form: RegistrationForm, session: Session, actor: User) -> dict:
    everyone = offices.operational_offices(session)
    pools: dict[str, list[str]] = {}
    for office in everyone:
        if office.pool_code:
            pools.setdefault(office.pool_code, []).append(office.short_name)
    choose = [SelectChoice("", _("— choose —"))]
    form.pool_code.choices = choose + [
        SelectChoice(code, f"{code}（{'、'.join(names)}）") for code, names in sorted(pools.items())
    ]
    form.receiving_office.choices = choose + [
        SelectChoice(o.code, f"{o.name}（{o.pool_code}）")
        for o in everyone
        if o.code != actor.office_code
    ]
    form.office_pools = {o.code: o.pool_code for o in everyone}
    form.office_names = {o.code: o.short_name for o in everyone}
    prefilled = request.method == "GET" and _prefill(form)
    if prefilled and not form.pool_code.data:  # the office's pool, when only it was given
        form.pool_code.data = form.office_pools.get(form.receiving_office.data)
    return {"prefilled": prefilled}


KIND = CaseKind(
    code="registration",
    label=N_("Insurance registration"),
    description=N_(
        "Ask the office of the person's pool to register, change or cancel their enrolment."
    ),
    create_model=RegistrationCaseCreate,
    workflow=rules.WORKFLOW,
    prepare=prepare,
    steps=("handle",),
    events={
        "file": EventText(
            "registration.requested",
            N_("Registration request received"),
            N_("%(office)s asks for a registration: %(number)s %(title)s"),
        ),
        "resubmit": EventText(
            "registration.resubmitted",
            N_("Registration request resubmitted"),
            N_("%(office)s completed and resubmitted: %(number)s %(title)s"),
        ),
        "receive": EventText(
            "registration.received",
            N_("Registration request opened"),
            N_("%(office)s has read: %(number)s %(title)s"),
        ),
        "accept": EventText(
            "registration.accepted",
            N_("Registration request accepted"),
            N_("%(office)s accepted: %(number)s %(title)s"),
        ),
        "reject": EventText(
            "registration.rejected",
            N_("Registration request rejected"),
            N_("%(office)s rejected: %(number)s %(title)s"),
        ),
        "return": EventText(
            "registration.returned",
            N_("Registration returned for completion"),
            N_("%(office)s returned for completion: %(number)s %(title)s"),
        ),
        "cancel": EventText(
            "registration.cancelled",
            N_("Registration request withdrawn"),
            N_("%(office)s withdrew: %(number)s %(title)s"),
        ),
        "hold": EventText(
            "registration.on_hold",
            N_("Registration suspended"),
            N_("%(office)s suspended work (clock paused): %(number)s %(title)s"),
        ),
        "resume": EventText(
            "registration.resumed",
            N_("Registration resumed"),
            N_("%(office)s resumed work: %(number)s %(title)s"),
        ),
        "complete": EventText(
            "registration.completed",
            N_("Registration done"),
            N_("%(office)s completed the registration: %(number)s %(title)s"),
        ),
    },
    detail_model=RegistrationCase,
    personal_fields=("person.id_number",),
    person_id_of=lambda row: row.id_number if row is not None else None,
    read_details=read_details,
    business_steps=rules.ACTIONS,
    form=RegistrationForm,
    form_template="registrations/new.html",
    details_template="registrations/details.html",
    form_data=form_data,
    form_context=form_context,
    blueprint=bp,
    resubmit_fields=("description",),
)
