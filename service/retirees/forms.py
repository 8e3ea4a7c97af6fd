"""The retiree kind's web form: the person, the dates, a fixed number of period rows (blank
rows are ignored) and the settling office; "计算" shows the assessment before filing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField

from service.forms import EvidenceField, no_control_characters, text_field

PERIOD_ROWS = 4
PERIOD_FIELDS = ("pool_code", "start", "end", "actual_years", "deemed_years")


class PersonForm(Form):
    name = text_field(_l("Name"), max_length=50)
    id_number = text_field(_l("ID number"), max_length=18)
    phone = text_field(_l("Contact phone"), max_length=20)


class PeriodForm(Form):
    pool_code = SelectField(_l("Pool"), validators=[no_control_characters], validate_choice=False)
    start = StringField(_l("From (YYYY-MM)"), validators=[no_control_characters])
    end = StringField(_l("To (YYYY-MM)"), validators=[no_control_characters])
    actual_years = StringField(_l("Actual years"), validators=[no_control_characters])
    deemed_years = StringField(_l("Deemed years"), validators=[no_control_characters])


class RetireeForm(FlaskForm):
    receiving_office = SelectField(
        _l("Settling office"), validators=[no_control_characters], validate_choice=False
    )
    person = FormField(PersonForm)
    sex = SelectField(
        _l("Sex"),
        choices=[("", _l("— choose —")), ("male", _l("Male")), ("female", _l("Female"))],
        validate_choice=False,
    )
    birth_date = StringField(_l("Birth date"), validators=[no_control_characters])
    retirement_date = StringField(_l("Retirement date"), validators=[no_control_characters])
    periods = FieldList(FormField(PeriodForm), min_entries=PERIOD_ROWS, max_entries=PERIOD_ROWS)
    description = text_field(_l("Description"), max_length=5000, rows=True)
    files = EvidenceField()


def _text(field) -> str:
    return (field.data or "").strip()


def _blank(row) -> bool:
    return not any(_text(row.form[name]) for name in PERIOD_FIELDS)


def form_data(form: RetireeForm) -> dict:
    """The create model's input. Blank period rows are left out, and the filled rows move to
    the front of the form so ``periods[i]`` in an error is the i-th row shown."""
    filled = [row for row in form.periods.entries if not _blank(row)]
    form.periods.entries = filled + [row for row in form.periods.entries if _blank(row)]
    periods = [
        {name: _text(row.form[name]) for name in PERIOD_FIELDS if _text(row.form[name])}
        for row in filled
    ]
    data = {
        "kind": "retiree",
        "receiving_office": _text(form.receiving_office) or None,
        "person": {
            "name": _text(form.person.form.name),
            "id_number": _text(form.person.form.id_number),
            "phone": _text(form.person.form.phone),
        },
        "periods": periods,
        "description": _text(form.description),
    }
    for name in ("sex", "birth_date", "retirement_date"):
        if _text(form[name]):
            data[name] = _text(form[name])
    return data
