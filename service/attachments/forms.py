"""The case page's upload form: several evidence files in one post."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Evidence files"))
