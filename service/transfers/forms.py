"""The relation transfer's web form, filled in one go: every error under its field, in the
user's language, with what was typed kept. Fields are named as the API names them
(``person.id_number``, ``periods[0].end``), so a domain error finds its field."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import FieldList, FileField, Form, FormField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import ValidationError as FormError

from service.forms import EvidenceField, no_control_characters, text_field
from service.i18n import translate_error
from service.transfers.models import TransferCaseCreate
from service.validation import domain_error_from

PERIOD_ROWS = 4  # rows offered for insured periods; blank ones are ignored

SCHEMES = [
    SelectChoice("", _l("— choose —")),
    SelectChoice("employee", _l("Employee basic medical insurance")),
    SelectChoice("resident", _l("Resident basic medical insurance")),
]
REASONS = [
    SelectChoice("", _l("— choose —")),
    SelectChoice("employment", _l("Change of employment")),
    SelectChoice("household", _l("Change of household registration")),
    SelectChoice("residence", _l("Change of habitual residence")),
]


def _iso_date(_form, field) -> None:
    if field.data:
        try:
            date.fromisoformat(field.data.strip())
        except ValueError:
            raise FormError(_l("A date is written YYYY-MM-DD, e.g. 2026-03-31.")) from None


class PersonForm(Form):
    name = text_field(_l("Name"), max_length=50, required=_l("Please enter the name."))
    id_number = text_field(
        _l("Citizen ID number"), max_length=30, required=_l("Please enter the ID number.")
    )
    phone = text_field(_l("Contact phone"), max_length=20)


class PeriodForm(Form):
    """One pool's insured months and the years they count for."""

    pool_code = text_field(_l("Pool code"), max_length=6)
    start = text_field(_l("From (YYYY-MM)"), max_length=7)
    end = text_field(_l("To (YYYY-MM)"), max_length=7)
    actual_years = text_field(_l("Actual years"), max_length=5)
    deemed_years = text_field(_l("Deemed years"), max_length=5)

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in self)


class TwoOfficesForm(FlaskForm):
    """The transfer-out and the transfer-in office, chosen among the operational offices."""

    transfer_out_office = SelectField(
        _l("Transfer-out office"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please choose the transfer-out office.")),
        ],
    )
    transfer_in_office = SelectField(
        _l("Transfer-in office"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please choose the transfer-in office.")),
        ],
    )

    def offer_offices(self, offices, *, own_office: str) -> None:
        """Offer ``offices`` (name and pool) on both sides; a new form proposes the usual
        filing: the person applies at the office of the place they move to, the own one."""
        choices = [SelectChoice("", _("— choose —"))] + [
            SelectChoice(o.code, f"{o.name}（{o.pool_code}）") for o in offices
        ]
        self.transfer_out_office.choices = choices
        self.transfer_in_office.choices = list(choices)
        if not self.is_submitted():
            self.transfer_in_office.data = self.transfer_in_office.data or own_office


class TransferForm(TwoOfficesForm):
    person = FormField(PersonForm, label=_l("Insured person"))
    scheme_out = SelectField(
        _l("Scheme at the transfer-out place"),
        choices=SCHEMES,
        validators=[no_control_characters, DataRequired(_l("Please choose the scheme."))],
    )
    scheme_in = SelectField(
        _l("Scheme at the transfer-in place"),
        choices=SCHEMES,
        validators=[no_control_characters, DataRequired(_l("Please choose the scheme."))],
    )
    suspended_on = text_field(
        _l("Enrolment suspended on"),
        max_length=10,
        required=_l("Please enter the date the enrolment was suspended."),
    )
    reason = SelectField(
        _l("Reason for the transfer"),
        choices=REASONS,
        validators=[no_control_characters, DataRequired(_l("Please choose the reason."))],
    )
    periods = FieldList(FormField(PeriodForm), min_entries=PERIOD_ROWS, max_entries=PERIOD_ROWS)
    account_balance = text_field(_l("Personal account balance (yuan)"), max_length=14)
    files = EvidenceField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.suspended_on.validators = [*self.suspended_on.validators, _iso_date]

    def filled_periods(self) -> list[int]:
        """The form rows of the periods sent (blank rows left out), in order."""
        return [i for i, row in enumerate(self.periods) if not row.form.is_blank()]

    def __getattr__(self, name: str):
        # A domain error names its field by its path (``person.id_number``, ``periods[0].end``,
        # the index counted among the rows sent): the field there.
        if name.startswith("_") or not any(c in name for c in ".["):
            raise AttributeError(name)
        node = self
        try:
            for attr, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", name):
                if index:
                    rows = self.filled_periods() if node is self.periods else range(len(node))
                    node = node[rows[int(index)]]
                else:
                    node = getattr(node, attr)
        except (IndexError, TypeError):
            raise AttributeError(name) from None
        return node

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks, then the API's (ID number, months, amounts …) on every field
        that has no error yet: the clerk sees every mistake at once."""
        valid = super().validate(extra_validators)
        try:
            TransferCaseCreate.model_validate(form_data(self))
        except ValidationError as exc:
            for error in domain_error_from(exc).errors:
                field = getattr(self, error.field, None)
                if field is None or not hasattr(field, "errors") or field.errors:
                    continue
                field.errors = [translate_error(error.message, error.params)]
                valid = False
        return valid


def form_data(form: TransferForm) -> dict:
    person = form.person.form
    return {
        "kind": "transfer",
        "transfer_out_office": form.transfer_out_office.data or "",
        "transfer_in_office": form.transfer_in_office.data or "",
        "person": {
            "name": person.name.data or "",
            "id_number": person.id_number.data or "",
            "phone": person.phone.data or "",
        },
        "scheme_out": form.scheme_out.data or "",
        "scheme_in": form.scheme_in.data or "",
        "suspended_on": (form.suspended_on.data or "").strip(),
        "reason": form.reason.data or "",
        "periods": [
            {
                "pool_code": row.pool_code.data or "",
                "start": row.start.data or "",
                "end": row.end.data or "",
                "actual_years": (row.actual_years.data or "").strip() or "0",
                "deemed_years": (row.deemed_years.data or "").strip() or "0",
            }
            for row in (form.periods[i].form for i in form.filled_periods())
        ],
        "account_balance": (form.account_balance.data or "").strip() or "0.00",
    }


class BatchUploadForm(TwoOfficesForm):
    """A sheet of transfers between the same two offices (the template filled in)."""

    file = FileField(_l("Filled-in template (.xlsx or .csv)"))
