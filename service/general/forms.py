from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from service.forms import EvidenceField, no_control_characters


class GeneralRequestForm(FlaskForm):
    receiving_office = SelectField(
        _l("Receiving office"),
        validators=[no_control_characters, DataRequired(_l("Please choose the receiving office."))],
    )
    title = StringField(
        _l("Title"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please enter a title.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            no_control_characters,
            Length(max=5000, message=_l("At most %(max)d characters.")),
        ],
    )
    files = EvidenceField()


def form_data(form: GeneralRequestForm) -> dict:
    return {
        "kind": "general",
        "receiving_office": form.receiving_office.data,
        "title": form.title.data,
        "description": form.description.data or "",
    }
