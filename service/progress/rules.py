"""What the progress page accepts and how it compares: pure, no database.

A wrong ID tail must look exactly like an unknown case number, so the tail is compared in
constant time, and against a value that never matches when there is no person to compare with.
"""

from __future__ import annotations

import hmac
import re

TAIL_LENGTH = 6
# The same rules as JSON-schema patterns (read alike by ECMA-262 and Python): the API's query
# document states exactly what is accepted.
TAIL_PATTERN = r"^[0-9Xx]{6}$"
NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,32}$"
# Compared with when there is no person: a checked tail never contains "-".
NO_TAIL = "-" * TAIL_LENGTH


def normal_tail(value: str | None) -> str | None:
    """The last six characters of an ID number as typed, upper-case; None when they cannot be
    (six digits, or five and an X)."""
    tail = (value or "").strip().upper()
    return tail if re.fullmatch(TAIL_PATTERN, tail) else None


def normal_number(value: str | None) -> str | None:
    """A case number as typed (JN-2026-000042), upper-case; None when it cannot be one."""
    number = (value or "").strip().upper()
    return number if re.fullmatch(NUMBER_PATTERN, number) else None


def tail_of(id_number: str | None) -> str:
    """The last six characters of a stored ID number; ``NO_TAIL`` without one."""
    number = (id_number or "").strip().upper()
    return number[-TAIL_LENGTH:] if len(number) >= TAIL_LENGTH else NO_TAIL


def tail_matches(id_number: str | None, tail: str) -> bool:
    """Whether ``tail`` (normalised) ends the person's ID number, in constant time."""
    return hmac.compare_digest(tail_of(id_number).encode(), tail.encode())
