from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from service.forms import no_control_characters


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please enter your username.")),
            Length(max=64),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please enter your password.")),
            Length(max=256),
        ],
    )


class ProfileForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[no_control_characters, Length(max=255)])
    notify_by_email = BooleanField(_l("Also send me my office's notifications by e-mail"))
