"""The registration's web form: every error under its field, in the user's language; the
values typed stay. Its fields are named as the API names them (``person.id_number``), so a
domain error finds its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import Form, FormField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from service.errors import DomainError
from service.forms import EvidenceField, no_control_characters, text_field
from service.i18n import translate_error
from service.registrations import rules
from service.registrations.models import RegistrationCaseCreate
from service.validation import domain_error_from


class PersonForm(Form):
    """姓名, 公民身份号码 and phone, named as the API names them (``person.id_number``)."""

    name = text_field(_l("Name"), max_length=50, required=_l("Please enter the name."))
    id_number = text_field(
        _l("Citizen ID number"), max_length=30, required=_l("Please enter the ID number.")
    )
    phone = text_field(_l("Contact phone"), max_length=20)


class RegistrationForm(FlaskForm):
    action = RadioField(
        _l("Registration"),
        choices=[
            SelectChoice("register", _l("New registration")),
            SelectChoice("change", _l("Registration change")),
            SelectChoice("cancel", _l("Deregistration")),
        ],
        validators=[DataRequired(_l("Please choose register, change or cancel."))],
    )
    person = FormField(PersonForm, label=_l("Insured person"))
    scheme = SelectField(
        _l("Insurance scheme"),
        choices=[
            SelectChoice("", _l("— choose —")),
            SelectChoice("employee", _l("Employee basic medical insurance")),
            SelectChoice("resident", _l("Resident basic medical insurance")),
        ],
        validators=[no_control_characters, DataRequired(_l("Please choose the scheme."))],
    )
    pool_code = SelectField(
        _l("Pool"),
        validators=[no_control_characters, DataRequired(_l("Please choose the pool."))],
    )
    receiving_office = SelectField(
        _l("Office where it is done"),
        validators=[no_control_characters, DataRequired(_l("Please choose the receiving office."))],
    )
    description = text_field(_l("Notes"), max_length=5000, rows=True)
    files = EvidenceField()

    # office code → its pool and its short name, set with the choices (kind.form_context)
    office_pools: dict[str, str] = {}
    office_names: dict[str, str] = {}

    def __getattr__(self, name: str):
        # A domain error names its field by its path (``person.id_number``): the field there.
        if "." in name:
            node = self
            try:
                for part in name.split("."):
                    node = node.form[part] if isinstance(node, FormField) else node[part]
            except KeyError:
                raise AttributeError(name) from None
            return node
        raise AttributeError(name)

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks, then the API's (ID number, phone …) on every field that has
        no error yet: the clerk sees every mistake at once."""
        valid = super().validate(extra_validators)
        try:
            RegistrationCaseCreate.model_validate(form_data(self))
        except ValidationError as exc:
            for error in domain_error_from(exc).errors:
                field = getattr(self, error.field, None)
                if field is None or field.errors:
                    continue
                field.errors = [translate_error(error.message, error.params)]
                valid = False
        return self._in_pool() and valid

    def _in_pool(self) -> bool:
        """An office outside the chosen pool, said at once rather than after the other fixes."""
        office, pool = self.receiving_office.data, self.pool_code.data
        if self.receiving_office.errors or office not in self.office_pools or not pool:
            return True
        try:
            rules.check_receiver_in_pool(
                self.office_names.get(office, office), self.office_pools[office], pool
            )
        except DomainError as error:
            (problem,) = error.errors
            self.receiving_office.errors = [translate_error(problem.message, problem.params)]
            return False
        return True


def form_data(form: RegistrationForm) -> dict:
    return {
        "kind": "registration",
        "action": form.action.data,
        "receiving_office": form.receiving_office.data or "",
        "person": {
            "name": form.person.form.name.data or "",
            "id_number": form.person.form.id_number.data or "",
            "phone": form.person.form.phone.data or "",
        },
        "scheme": form.scheme.data,
        "pool_code": form.pool_code.data or "",
        "description": form.description.data or "",
    }
