"""退休人员缴费年限核定 as a registered kind: a filing office asks the office that settles a
person reaching retirement (待遇享受地) to confirm their cumulative contribution years."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session

from service.accounts.models import User
from service.cases.kinds import CaseKind, EventText, Filing
from service.errors import N_, ValidationFailed
from service.i18n import in_working_language
from service.offices import service as offices
from service.retirees import service
from service.retirees.forms import RetireeForm, form_data
from service.retirees.models import RetireeCase, RetireeCaseCreate
from service.retirees.rules import WORKFLOW
from service.retirees.views import bp

# A broken config/pools.toml stops the service at start, naming the pool and the field.
service.pool_config()


def prepare(session: Session, actor: User, data: RetireeCaseCreate) -> Filing:
    evaluation = service.evaluate(session, actor=actor, data=data)
    if evaluation.errors:
        raise ValidationFailed(errors=evaluation.errors)
    return Filing(
        receiving_office=evaluation.office,
        title=in_working_language(
            N_("Retiree contribution years: %(name)s"), name=data.person.name
        ),
        description=data.description,
        details=service.detail_row(data, evaluation),
    )


def form_context(form: RetireeForm, session: Session, actor: User) -> dict:
    partners = offices.partner_offices(session, office_code=actor.office_code)
    form.receiving_office.choices = [("", _("— from the settling pool —"))] + [
        (o.code, o.name) for o in partners
    ]
    pools = service.pool_config().pools
    for row in form.periods:
        row.form.pool_code.choices = [("", _("— choose —"))] + [
            (code, f"{rule.name} {code}") for code, rule in pools.items()
        ]
    return {"pools": pools, "settlement": service.pool_config().settlement}


def preview(form: RetireeForm, session: Session, actor: User) -> dict:
    """The "计算" button: the assessment of what was typed, shown on the form before
    anything is filed. An office still to be chosen is shown as such, not as an error."""
    data = RetireeCaseCreate.model_validate(form_data(form))
    evaluation = service.evaluate(session, actor=actor, data=data)
    errors = [e for e in evaluation.errors if e.field != "receiving_office"]
    if errors or evaluation.assessment is None:
        raise ValidationFailed(errors=errors or evaluation.errors)
    if data.receiving_office and evaluation.office is None:
        raise ValidationFailed(errors=evaluation.errors)
    names = [offices.get_office(session, code).short_name for code in evaluation.candidates]
    return {
        "assessment": evaluation.assessment,
        "evaluation": evaluation,
        "candidate_names": "、".join(names),
    }


KIND = CaseKind(
    code="retiree",
    label=N_("Retiree contribution years"),
    description=N_(
        "Ask the office that settles a person reaching retirement to confirm their "
        "contribution years across pools."
    ),
    create_model=RetireeCaseCreate,
    workflow=WORKFLOW,
    prepare=prepare,
    steps=("assess",),
    events={
        "file": EventText(
            "retiree.requested",
            N_("Retiree contribution years requested"),
            N_("%(office)s asks to confirm contribution years: %(number)s %(title)s"),
        ),
        "receive": EventText(
            "retiree.received",
            N_("Retiree request opened"),
            N_("%(office)s has read: %(number)s %(title)s"),
        ),
        "accept": EventText(
            "retiree.accepted",
            N_("Retiree request accepted"),
            N_("%(office)s accepted: %(number)s %(title)s"),
        ),
        "reject": EventText(
            "retiree.rejected",
            N_("Retiree request rejected"),
            N_("%(office)s rejected: %(number)s %(title)s"),
        ),
        "return": EventText(
            "retiree.returned",
            N_("Retiree request returned for completion"),
            N_("%(office)s returned for completion: %(number)s %(title)s"),
        ),
        "resubmit": EventText(
            "retiree.resubmitted",
            N_("Retiree request resubmitted"),
            N_("%(office)s completed and resubmitted: %(number)s %(title)s"),
        ),
        "cancel": EventText(
            "retiree.cancelled",
            N_("Retiree request cancelled"),
            N_("%(office)s withdrew: %(number)s %(title)s"),
        ),
        "complete": EventText(
            "retiree.completed",
            N_("Contribution years confirmed"),
            N_("%(office)s confirmed the contribution years: %(number)s %(title)s"),
        ),
    },
    detail_model=RetireeCase,
    personal_fields=("person.id_number",),
    person_id_of=lambda row: row.id_number if row is not None else None,
    read_details=service.read_details,
    form=RetireeForm,
    form_template="retirees/new.html",
    form_data=form_data,
    form_context=form_context,
    preview=preview,
    details_template="retirees/_details.html",
    blueprint=bp,
    resubmit_fields=("description",),
)
