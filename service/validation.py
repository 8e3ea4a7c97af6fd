"""Turning pydantic validation errors into the domain's field errors, in the user's words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from service.errors import N_, FieldError, ValidationFailed

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str) -> bool:
    """A plausible address (the mail server has the last word); at most 255 characters."""
    return len(value) <= 255 and bool(_EMAIL.match(value))


def has_control_characters(value: str) -> bool:
    return any((ord(c) < 32 and c not in _ALLOWED_CONTROLS) or ord(c) == 127 for c in value)


def whole_number(text: str | None, *, maximum: int) -> int | None:
    """``text`` as a number from 1 to ``maximum`` in ASCII digits, else None. (``int()`` would
    also read "１", "+2", " 2" and "2_0", and any size: too large for the database's columns.)"""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if 1 <= value <= maximum else None


def _reject_control_characters(value: str) -> str:
    # NUL and other control characters are never meant: PostgreSQL cannot even store NUL.
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", "control characters are not allowed")
    return value


_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
# The same rules as JSON-schema patterns (read alike by ECMA-262 and Python), so the OpenAPI
# document states what the validators accept: text without control characters, and text that
# is more than whitespace where a stripped value must not be empty.
TEXT_PATTERN = f"^[^{_CONTROLS}]*$"
NON_BLANK_TEXT_PATTERN = f"^[^{_CONTROLS}]*[^\\s{_CONTROLS}][^{_CONTROLS}]*$"


@dataclass(frozen=True)
class SchemaPattern:
    """Adds ``pattern`` to a string's JSON schema (validation is the validators' business)."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


CleanText = Annotated[str, AfterValidator(_reject_control_characters), SchemaPattern(TEXT_PATTERN)]


def clean_text(**constraints: object) -> object:
    """A text type with length/whitespace constraints that also refuses control characters."""
    stripped_non_empty = constraints.get("strip_whitespace") and constraints.get("min_length")
    return Annotated[
        str,
        StringConstraints(**constraints),
        AfterValidator(_reject_control_characters),
        SchemaPattern(NON_BLANK_TEXT_PATTERN if stripped_non_empty else TEXT_PATTERN),
    ]


MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field must not be empty."),
    "string_too_long": N_("At most %(max)s characters."),
    "string_type": N_("Must be text."),
    "int_type": N_("Must be a whole number."),
    "int_parsing": N_("Must be a whole number."),
    "extra_forbidden": N_("Unknown field."),
    "literal_error": N_("Must be one of: %(expected)s."),
    "union_tag_invalid": N_("Unknown kind “%(tag)s”; expected one of: %(expected)s."),
    "union_tag_not_found": N_("This field is required."),
    "model_type": N_("Must be a JSON object."),
    "model_attributes_type": N_("Must be a JSON object."),
    "dict_type": N_("Must be a JSON object."),
    "control_characters": N_("Must not contain control characters."),
    "bool_parsing": N_("Must be true or false."),
    "greater_than_equal": N_("Must be at least %(min)s."),
    "less_than_equal": N_("Must be at most %(max)s."),
}


DOMAIN_RULE = "domain_rule"


def rule_error(message: str, **params: object) -> PydanticCustomError:
    """Raise inside a pydantic validator to refuse a value with a domain rule's own message
    (an msgid with ``%(name)s`` params): the field error then says exactly that."""
    return PydanticCustomError(DOMAIN_RULE, message, {"message": message, **params})


def field_path(loc: list) -> str:
    """``["periods", 0, "end"]`` → ``periods[0].end``, as the API names fields."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def domain_error_from(exc: ValidationError) -> ValidationFailed:
    from service.cases.kinds import registry

    kinds = set(registry().codes)
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        # A discriminated union puts the kind in the path: drop it so the field is the field.
        if len(loc) > 1 and loc[0] in kinds:
            loc = loc[1:]
        if err["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc = ["kind"]
        field = field_path(loc)
        ctx = dict(err.get("ctx") or {})
        params = {}
        if "max_length" in ctx:
            params["max"] = ctx["max_length"]
        if "le" in ctx:
            params["max"] = ctx["le"]
        if "ge" in ctx:
            params["min"] = ctx["ge"]
        if "expected" in ctx or "expected_tags" in ctx:
            params["expected"] = str(ctx.get("expected", ctx.get("expected_tags")))
        if "tag" in ctx:
            params["tag"] = str(ctx["tag"])
        message = MESSAGES.get(err["type"])
        if err["type"] == DOMAIN_RULE:  # a domain rule's own sentence (an msgid) and params
            message, params = ctx.pop("message"), ctx
        elif message is None:
            message, params = N_("Invalid value."), {}
        errors.append(FieldError(field, message, params))
    return ValidationFailed(errors=errors)
