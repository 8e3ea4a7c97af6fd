"""Turning pydantic validation errors into the domain's field errors, in the user's words."""

from __future__ import annotations

from pydantic import ValidationError

from service.errors import N_, FieldError, ValidationFailed

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
}


def domain_error_from(exc: ValidationError) -> ValidationFailed:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        # A discriminated union puts the kind in the path: drop it so the field is the field.
        if len(loc) > 1 and loc[0] in {"general", "registration", "transfer", "retiree", "clue"}:
            loc = loc[1:]
        if err["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc = ["kind"]
        field = ".".join(loc) or "body"
        ctx = dict(err.get("ctx") or {})
        params = {}
        if "max_length" in ctx:
            params["max"] = ctx["max_length"]
        if "expected" in ctx or "expected_tags" in ctx:
            params["expected"] = str(ctx.get("expected", ctx.get("expected_tags")))
        if "tag" in ctx:
            params["tag"] = str(ctx["tag"])
        message = MESSAGES.get(err["type"])
        if message is None:
            message, params = N_("Invalid value."), {}
        errors.append(FieldError(field, message, params))
    return ValidationFailed(errors=errors)
