"""The general request's web form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from service.forms import EvidenceField, no_control_characters, text_field


class GeneralRequestForm(FlaskForm):
    receiving_office = SelectField(
        _l("Receiving office"),
        validators=[no_control_characters, DataRequired(_l("Please choose the receiving office."))],
    )
    title = text_field(_l("Title"), max_length=200, required=_l("Please enter a title."))
    description = text_field(_l("Description"), max_length=5000, rows=True)
    files = EvidenceField()


def form_data(form: GeneralRequestForm) -> dict:
    return {
        "kind": "general",
        "receiving_office": form.receiving_office.data,
        "title": form.title.data,
        "description": form.description.data or "",
    }
