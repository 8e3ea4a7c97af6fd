"""Mapping domain errors onto web forms, once for every feature."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from service.errors import DomainError
from service.i18n import translate_error


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
