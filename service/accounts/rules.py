"""Account rules without Flask or a database: where a login may go on to."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

# A target longer than this is no page of ours.
MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """The same-site path a login may go on to (``?next=``), or None for anything else.

    Only a path of this site is followed: no scheme, no host, nothing a browser would read as
    one. Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    ``/\\t/evil.example/`` or ``/\\evil.example`` become ``//evil.example``, another site;
    such targets, and any with control or invisible characters, are refused whole rather than
    cleaned.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if "\\" in target or any(
        char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in target
    ):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target
