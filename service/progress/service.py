"""Looking a case up by its number and the person's ID tail, audited every time.

Only kinds that name a person (``CaseKind.person_id_of``) are ever found. An unknown number, a
kind without a person and a wrong tail all end alike: the same queries, a constant-time
comparison, an audit entry and None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlmodel import Session, select

from service import labels
from service.audit import service as audit
from service.cases.kinds import CaseKind, registry
from service.cases.models import Case
from service.i18n import local_time
from service.offices.models import Office
from service.progress import rules

ACTION = "progress.lookup"


@dataclass(frozen=True)
class Progress:
    """What the person may see of their case: codes and msgids, translated where shown."""

    number: str
    kind: CaseKind
    status: str
    business_status: str | None
    office: str  # the owner office's name
    due_date: date | None

    @property
    def step(self) -> str:
        if self.business_status and self.business_status in self.kind.business_steps:
            return self.business_status
        return self.status

    def describe(self) -> dict:
        """The answer in the current locale."""
        if self.step == self.business_status:
            step_label = gettext(self.kind.business_steps[self.step])
        else:
            step_label = str(labels.STATUS.get(self.status, self.status))
        return {
            "number": self.number,
            "kind": self.kind.code,
            "kind_label": gettext(self.kind.label),
            "step": self.step,
            "step_label": step_label,
            "office": self.office,
            "due_date": self.due_date,
        }


def _person_kinds() -> dict[str, CaseKind]:
    return {k.code: k for k in registry() if k.person_id_of is not None}


def lookup(
    session: Session, *, number: str, id_tail: str, ip: str, channel: str
) -> Progress | None:
    """The case's progress when ``number`` (normalised) names a case of a kind with a person
    whose ID number ends in ``id_tail`` (normalised); else None. Commits its audit entry."""
    kinds = _person_kinds()
    case = session.exec(select(Case).where(Case.number == number)).one_or_none()
    kind = kinds.get(case.kind) if case is not None else None
    # The same work whether or not there is such a case: a detail row is read (of the first
    # kind with a person when there is none to read) and a tail is compared.
    model = (kind or next(iter(kinds.values()))).detail_model
    row = session.get(model, case.id if kind is not None else 0)
    person = kind.person_id_of(row) if kind is not None and row is not None else None
    found = rules.tail_matches(person, id_tail) and kind is not None
    office = session.get(Office, case.owner_office if case is not None else "")
    progress = None
    if found:  # read before the commit expires the rows
        local_due = local_time(case.due_at)
        progress = Progress(
            number=case.number,
            kind=kind,
            status=case.status,
            business_status=case.business_status,
            office=office.name if office is not None else "",
            due_date=local_due.date() if local_due is not None else None,
        )
    audit.record(
        session,
        action=ACTION,
        object_type="case",
        object_id=case.id if case is not None else "",
        ip=ip,
        number=number,
        found=found,
        channel=channel,
    )
    session.commit()
    return progress
