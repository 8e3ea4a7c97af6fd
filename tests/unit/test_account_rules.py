"""Where a login may go on to: only paths of this site."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.accounts.rules import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/cases",
        "/cases/12?tab=timeline",
        "/cases?q=%E5%8C%BB%E4%BF%9D&page=2",
        "/inbox#unread",
    ],
)
def test_paths_of_this_site_are_followed(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example/",
        "/\t/evil.example/",  # browsers drop the tab: //evil.example/
        "/\n/evil.example/",
        "/\r\n/evil.example",
        "/\\evil.example",  # browsers read the backslash as a slash
        "\\\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        " //evil.example",
        "/ /evil.example",
        "/\u00a0/evil.example",
        "/\u200b/evil.example",  # zero-width space
        "/\u2028/evil.example",
        "/\x00/evil.example",
        "/\x7f/evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_is_refused(target):
    assert safe_next(target) is None


@given(st.text(max_size=40))
def test_what_is_followed_never_names_another_host(text):
    target = safe_next(text)
    if target is not None:
        cleaned = "".join(c for c in target if c not in "\t\n\r").replace("\\", "/")
        assert cleaned.startswith("/") and not cleaned.startswith("//")
