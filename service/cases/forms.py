from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from service.forms import EvidenceField, no_control_characters


class ActionForm(FlaskForm):
    action = HiddenField(validators=[no_control_characters, DataRequired()])
    version = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            no_control_characters,
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[
            no_control_characters,
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
    )
    title = StringField(
        _l("Title"),
        validators=[
            no_control_characters,
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
