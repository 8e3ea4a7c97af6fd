from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from service.forms import no_control_characters


class ExtensionRequestForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the extension"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please give a reason for the extension.")),
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
    )


class ExtensionDecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["approve", "reject"])])
