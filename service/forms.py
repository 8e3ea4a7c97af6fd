"""Mapping domain errors onto web forms, once for every feature."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from service.errors import DomainError
from service.i18n import translate_error
from service.validation import has_control_characters


def show_error(form: FlaskForm | None, error: DomainError) -> None:
    """Attach field errors to the form's fields; anything else becomes a flashed message."""
    unplaced = []
    for field_error in error.errors:
        field = getattr(form, field_error.field, None) if form is not None else None
        message = translate_error(field_error.message, field_error.params)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
        else:
            unplaced.append(message)
    if not error.errors or unplaced:
        text = translate_error(error.message, error.params)
        flash(" ".join([text, *unplaced]) if error.errors else text, "error")


def no_control_characters(_form: FlaskForm, field) -> None:
    """WTForms validator: what cannot be stored is refused with a message, not a 500."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(_l("Must not contain control characters."))


def EvidenceField() -> MultipleFileField:  # noqa: N802 - reads as a field class in a form
    """Several evidence files at once (checked by the attachments service, not here)."""
    return MultipleFileField(_l("Evidence files"))


def text_field(label, *, max_length: int, required: str | None = None, rows: bool = False):
    """A text input (``rows``: a text area) that refuses control characters and more than
    ``max_length`` characters; ``required``: the message when it is left empty."""
    validators = [no_control_characters]
    if required:
        validators.append(DataRequired(required))
    validators.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    return (TextAreaField if rows else StringField)(label, validators=validators)
