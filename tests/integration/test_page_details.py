"""What a new user noticed on the pages: deadline periods whose basis is unconfirmed say so in
words, an extended period shows the extension, unread notifications lead somewhere, a favicon."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.services


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_pages_have_a_favicon_and_favicon_ico_finds_it(client, auth):
    link = re.compile(r'<link rel="icon" href="/static/favicon.svg" type="image/svg\+xml">')
    icon = client.get("/favicon.ico")  # no login needed: browsers ask before anyone logs in
    assert icon.status_code in (301, 302, 308)
    assert icon.headers["Location"].endswith("/static/favicon.svg")
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data

    assert link.search(text(client.get("/login")))
    auth.login("jinniu-clerk")
    assert link.search(text(client.get("/")))
