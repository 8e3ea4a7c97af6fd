"""The general request as a registered kind: everything the case core needs to know of it."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from sqlmodel import Session

from service.accounts.models import User
from service.cases.kinds import CaseKind, EventText, Filing
from service.errors import N_
from service.general.forms import GeneralRequestForm, form_data
from service.general.models import GeneralCaseCreate
from service.general.rules import WORKFLOW
from service.offices import service as offices

bp = Blueprint("general", __name__, template_folder="templates")


def prepare(session: Session, actor: User, data: GeneralCaseCreate) -> Filing:
    receiver = offices.require_partner(
        session,
        office_code=data.receiving_office,
        field="receiving_office",
        own_office=actor.office_code,
    )
    return Filing(receiving_office=receiver.code, title=data.title, description=data.description)


def form_context(form: GeneralRequestForm, session: Session, actor: User) -> dict:
    partners = offices.partner_offices(session, office_code=actor.office_code)
    form.receiving_office.choices = [("", _("— choose —"))] + [(o.code, o.name) for o in partners]
    return {
        "agreements": {
            o.code: offices.agreement_between(session, actor.office_code, o.code) for o in partners
        }
    }


KIND = CaseKind(
    code="general",
    label=N_("General cooperation request"),
    description=N_("Ask a partner office to handle a matter that has no form of its own yet."),
    create_model=GeneralCaseCreate,
    workflow=WORKFLOW,
    prepare=prepare,
    steps=("answer", "complete"),
    events={
        "file": EventText(
            "case.requested",
            N_("Request received"),
            N_("%(office)s sent a cooperation request: %(number)s %(title)s"),
        ),
        "resubmit": EventText(
            "case.resubmitted",
            N_("Request resubmitted"),
            N_("%(office)s completed and resubmitted: %(number)s %(title)s"),
        ),
        "receive": EventText(
            "case.received",
            N_("Request opened"),
            N_("%(office)s has read: %(number)s %(title)s"),
        ),
        "accept": EventText(
            "case.accepted",
            N_("Request accepted"),
            N_("%(office)s accepted: %(number)s %(title)s"),
        ),
        "reject": EventText(
            "case.rejected",
            N_("Request rejected"),
            N_("%(office)s rejected: %(number)s %(title)s"),
        ),
        "return": EventText(
            "case.returned",
            N_("Returned for completion"),
            N_("%(office)s returned for completion: %(number)s %(title)s"),
        ),
        "cancel": EventText(
            "case.cancelled",
            N_("Request cancelled"),
            N_("%(office)s withdrew: %(number)s %(title)s"),
        ),
        "start": EventText(
            "case.started",
            N_("Work started"),
            N_("%(office)s started work: %(number)s %(title)s"),
        ),
        "hold": EventText(
            "case.on_hold",
            N_("Work suspended"),
            N_("%(office)s suspended work (clock paused): %(number)s %(title)s"),
        ),
        "resume": EventText(
            "case.resumed",
            N_("Work resumed"),
            N_("%(office)s resumed work: %(number)s %(title)s"),
        ),
        "complete": EventText(
            "case.completed",
            N_("Request completed"),
            N_("%(office)s completed: %(number)s %(title)s"),
        ),
    },
    form=GeneralRequestForm,
    form_template="general/new.html",
    form_data=form_data,
    form_context=form_context,
    blueprint=bp,
)
