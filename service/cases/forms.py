"""The case page's action form, the same for every kind."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired

from service.forms import EvidenceField, no_control_characters, text_field


class ActionForm(FlaskForm):
    action = HiddenField(validators=[no_control_characters, DataRequired()])
    version = HiddenField()
    reason = text_field(_l("Reason"), max_length=2000, rows=True)
    note = text_field(_l("Note"), max_length=2000, rows=True)
    title = text_field(_l("Title"), max_length=200)  # corrected on resubmission
    description = text_field(_l("Description"), max_length=5000, rows=True)
    files = EvidenceField()
