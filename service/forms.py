"""Mapping domain errors onto web forms, once for every feature."""

from __future__ import annotations

import re

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
        field = field_at(form, field_error.field) if form is not None else None
        message = translate_error(field_error.message, field_error.params)
        try:
            field.errors = [*list(field.errors or []), message]
        except (AttributeError, TypeError):  # no such field, or a group of fields
            unplaced.append(message)
    if not error.errors or unplaced:
        text = translate_error(error.message, error.params)
        flash(" ".join([text, *unplaced]) if error.errors else text, "error")


def field_at(form, path: str):
    """The form field an API field path names: ``person.id_number`` in a ``FormField``,
    ``periods[0].end`` in a ``FieldList`` of them; None when the form has no such field."""
    node = form
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            node = node[int(index)] if index else getattr(node, name)
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
    return node


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
