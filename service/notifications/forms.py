"""The administrators' form for an office's notification channels."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length

from service.forms import no_control_characters


class OfficeChannelsForm(FlaskForm):
    duty_email = StringField(
        _l("Duty e-mail address"),
        validators=[
            no_control_characters,
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )
    webhook_url = StringField(
        _l("Webhook URL"),
        validators=[
            no_control_characters,
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
    )
    webhook_secret = PasswordField(
        _l("Webhook secret"),
        validators=[
            no_control_characters,
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    webhook_active = BooleanField(_l("Send webhooks"), default=True)
