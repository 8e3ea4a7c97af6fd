"""The registry of case kinds: what a kind declares, and the one place the core asks about it.

A kind lives in its own folder (``service/general/``, later ``service/transfers/`` …) and is
registered once in ``service/kinds.py``. The case core — parties, visibility, timeline, clocks,
outbox, the API's create union, the form chooser, lists and labels — reads it from here and
knows no kind by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Union

from pydantic import BaseModel
from pydantic import Field as PField

from service.cases.rules import CASE_WORKERS, Workflow


@dataclass(frozen=True)
class EventText:
    """A notification an action sends: its event code, its label in the inbox and its title.
    ``label`` and ``title`` are msgids (English), translated through the catalog; ``title``
    takes ``%(office)s`` (the acting office), ``%(number)s`` and ``%(title)s``."""

    event: str
    label: str
    title: str


@dataclass
class Filing:
    """What a kind decides about a new case from its create data; the core writes it."""

    receiving_office: str
    title: str
    description: str = ""
    parties: tuple[tuple[str, str], ...] = ()  # beyond filer, receiver and owner
    details: Any = None  # the kind's detail row (``case_id`` is set by the core)
    business_status: str | None = None


@dataclass(frozen=True)
class CaseKind:
    code: str
    label: str  # msgid: the kind's name in lists and filters
    description: str  # msgid: one line in the form chooser
    create_model: type[BaseModel]  # the API body; has ``kind: Literal[code]``
    workflow: Workflow
    # (session, actor, data) → Filing: checks the kind's own rules, decides the parties.
    prepare: Callable[..., Filing]
    events: Mapping[str, EventText]  # by action ("file" for the filing itself)
    steps: tuple[str, ...] = ()  # SLA steps; their periods are in config/sla.toml
    filing_roles: frozenset[str] = CASE_WORKERS
    detail_model: type | None = None  # SQLModel table, one row per case, primary key case_id
    # detail row → the ``details`` object of the API (None: the kind has no details)
    read_details: Callable[[Any], dict] | None = None
    business_steps: Mapping[str, str] = field(default_factory=dict)  # code → msgid label
    # detail row → the kind's facts its steps' guards decide on (``CaseFacts.flags``)
    flags: Callable[[Any], Iterable[str]] | None = None
    form: type | None = None  # the WTForms form of the web page
    form_template: str = ""
    # (form) → the create model's input, so the page and the API validate alike
    form_data: Callable[[Any], dict] | None = None
    # (form, session, actor) → extra template values; fills the form's choices
    form_context: Callable[..., dict] | None = None
    # (form, session, actor) → extra template values: the form re-shown before filing when a
    # button named ``preview`` was pressed (e.g. a computed result); None: no such button
    preview: Callable[..., dict | None] | None = None
    details_template: str = ""  # a partial the case page includes to show the kind's details
    # Paths in ``details`` of a person's identifiers ("person.id_number"): in full only to an
    # office party to the case (every such view audited), masked to a bureau reading along.
    personal_fields: tuple[str, ...] = ()
    # detail row → the person's ID number: the public progress page finds the kind's cases by
    # it (None: a kind without a person, whose cases that page never finds)
    person_id_of: Callable[[Any], str | None] | None = None
    blueprint: Any = None  # a Flask blueprint for the kind's templates and pages
    resubmit_fields: tuple[str, ...] = ("title", "description")  # editable when returned


class UnknownKind(KeyError):
    pass


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[str, CaseKind] = {}
        self._union: Any = None

    def register(self, kind: CaseKind) -> CaseKind:
        if kind.code in self._kinds and self._kinds[kind.code] is not kind:
            raise ValueError(f"case kind {kind.code!r} is registered twice")
        literal = kind.create_model.model_fields.get("kind")
        if literal is None or getattr(literal.annotation, "__args__", None) != (kind.code,):
            raise ValueError(f"case kind {kind.code!r}: its create model needs kind: Literal")
        # An action that tells someone needs its words; without them it would tell nobody.
        telling = {a for a, t in kind.workflow.transitions.items() if t.notify}
        missing = ({"file"} | telling) - set(kind.events)
        if missing:
            raise ValueError(f"case kind {kind.code!r}: no event text for {sorted(missing)}")
        self._kinds[kind.code] = kind
        # In the order of their codes, whatever the order of registration: the union, the
        # chooser and the filters read the same everywhere.
        self._kinds = dict(sorted(self._kinds.items()))
        self._union = None
        return kind

    def unregister(self, code: str) -> None:
        self._kinds.pop(code, None)
        self._union = None

    def __iter__(self):
        return iter(self._kinds.values())

    def __contains__(self, code: object) -> bool:
        return code in self._kinds

    def get(self, code: str) -> CaseKind:
        try:
            return self._kinds[code]
        except KeyError:
            raise UnknownKind(code) from None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def filable_by(self, role: str) -> list[CaseKind]:
        return [k for k in self._kinds.values() if role in k.filing_roles]

    def create_type(self) -> Any:
        """The API's create body: one union discriminated on ``kind`` (the same object until
        the kinds change, so callers may cache what they build from it)."""
        if self._union is None:
            models = tuple(k.create_model for k in self._kinds.values())
            member = models[0] if len(models) == 1 else Union[models]  # noqa: UP007
            self._union = Annotated[member, PField(discriminator="kind")]
        return self._union

    def with_forms(self, role: str) -> list[CaseKind]:
        """The kinds the web form chooser offers ``role``."""
        return [k for k in self.filable_by(role) if k.form is not None]

    def events(self) -> dict[str, str]:
        """Every kind's event labels by event code (msgids)."""
        return {t.event: t.label for k in self._kinds.values() for t in k.events.values()}

    def check_steps(self, rules: Iterable[Any]) -> None:
        """Refuse an SLA table that does not match the kinds: a step no kind has, or a kind's
        step with no period. ``rules`` carry ``kind``, ``step`` and ``owed_by``."""
        declared = {(k.code, s) for k in self._kinds.values() for s in k.steps}
        configured = set()
        problems = []
        for rule in rules:
            configured.add((rule.kind, rule.step))
            if rule.kind not in self._kinds:
                problems.append(f"{rule.kind}/{rule.step}: no case kind {rule.kind!r}")
            elif rule.step not in self._kinds[rule.kind].steps:
                problems.append(f"{rule.kind}/{rule.step}: kind {rule.kind!r} has no such step")
            elif rule.owed_by not in self._kinds[rule.kind].workflow.sides:
                problems.append(f"{rule.kind}/{rule.step}: unknown side {rule.owed_by!r}")
        for kind, step in sorted(declared - configured):
            problems.append(f"{kind}/{step}: no period in config/sla.toml")
        if problems:
            raise ValueError(
                "config/sla.toml does not match the case kinds: " + "; ".join(problems)
            )


REGISTRY = Registry()


def registry() -> Registry:
    """The registry with every kind of ``service/kinds.py`` registered."""
    import service.kinds  # noqa: F401 - registers the kinds on first use

    return REGISTRY
