from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class GeneralRequestForm(FlaskForm):
    receiving_office = SelectField(
        _l("Receiving office"), validators=[DataRequired(_l("Please choose the receiving office."))]
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please enter a title.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000, message=_l("At most %(max)d characters."))]
    )


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    reason = TextAreaField(
        _l("Reason"), validators=[Length(max=2000, message=_l("At most %(max)d characters."))]
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=2000, message=_l("At most %(max)d characters."))]
    )
    title = StringField(
        _l("Title"), validators=[Length(max=200, message=_l("At most %(max)d characters."))]
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000, message=_l("At most %(max)d characters."))]
    )
