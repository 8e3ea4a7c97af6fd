from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from service.calendar.rules import NOTICE_MAX_LENGTH
from service.forms import no_control_characters


class OverrideForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(_l("Please enter a date (YYYY-MM-DD)."))])
    kind = RadioField(
        _l("The day is"),
        choices=[
            SelectChoice("rest", _l("a rest day (statutory holiday)")),
            SelectChoice("workday", _l("a working day (make-up workday)")),
        ],
        default="rest",
        validators=[DataRequired(_l("Please choose working day or rest day."))],
    )
    notice = StringField(
        _l("Official notice"),
        validators=[
            no_control_characters,
            DataRequired(_l("Please name the official notice this day comes from.")),
            Length(max=NOTICE_MAX_LENGTH, message=_l("At most %(max)d characters.")),
        ],
    )
