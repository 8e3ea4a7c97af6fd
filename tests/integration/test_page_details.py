"""What a new user noticed on the pages: deadline periods whose basis is unconfirmed say so in
words, an extended period shows the extension, unread notifications lead somewhere, a favicon."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from service.db import get_db, utcnow
from service.notifications.models import Notification
from service.sla.models import CaseClock, ClockExtension
from tests.conftest import AuthActions

pytestmark = pytest.mark.services


def text(response) -> str:
    return response.get_data(as_text=True)


def deadlines(page: str) -> str:
    start = page.index('id="deadlines"')
    return page[start : page.index("</section>", start)]


def period_of(page: str, step: str) -> str:
    row = re.search(rf'<tr data-step="{step}">.*?</tr>', page, re.S).group(0)
    cell = re.findall(r"<td[^>]*>.*?</td>", row, re.S)[2]  # Step, Owed by, Period, …
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


def test_a_step_whose_period_is_a_working_assumption_says_so_in_words(client, auth, api):
    case = api("jinniu-clerk").file().get_json()
    auth.login("jinniu-clerk")
    table = deadlines(text(client.get(f"/cases/{case['id']}")))
    # config/sla.toml marks the general request's periods C: a working assumption
    assert "工作假设，待确认" in table
    assert "(C)" not in table and "（C）" not in table
    assert re.search(r'class="basis"[^>]*title="[^"]*工作假设', table)  # explained on hover
    assert "并无法规明文依据" in table  # and in print, below the table

    client.get("/lang/en")
    assert "Working assumption, to be confirmed" in deadlines(
        text(client.get(f"/cases/{case['id']}"))
    )


def test_the_period_of_an_extended_deadline_includes_the_extension(app, api):
    case = api("jinniu-clerk").file().get_json()
    clerk, boss = app.test_client(), app.test_client()
    AuthActions(clerk).login("shifang-clerk")
    AuthActions(boss).login("shifang-supervisor")
    assert period_of(text(clerk.get(f"/cases/{case['id']}")), "answer") == "5 个工作日"

    clerk.post(f"/cases/{case['id']}/extension", data={"reason": "需调取外地档案"})
    with get_db(app).session() as db:
        extension = db.exec(
            select(ClockExtension)
            .join(CaseClock, CaseClock.id == ClockExtension.clock_id)
            .where(CaseClock.case_id == case["id"])
        ).one()
    boss.post(f"/cases/{case['id']}/extension/{extension.id}", data={"decision": "approve"})

    page = text(clerk.get(f"/cases/{case['id']}"))
    assert period_of(page, "answer") == "5 个工作日 + 延长 5 个工作日"


def test_unread_notifications_on_the_home_page_lead_to_their_case_or_to_the_inbox(
    app, client, auth, api
):
    case = api("jinniu-clerk").file(title="协助核实异地就医记录").get_json()
    with get_db(app).session() as db:
        about_case = Notification(
            case_id=case["id"],
            event="case.requested",
            sender_office="jinniu",
            recipient_office="shifang",
            title="金牛发来协助请求",
            delivered_at=utcnow(),
        )
        digest = Notification(
            event="digest", recipient_office="shifang", title="今日期限提醒", delivered_at=utcnow()
        )
        db.add_all([about_case, digest])
        db.commit()

    auth.login("shifang-clerk")
    page = text(client.get("/"))

    def link_of(title: str) -> str:
        item = re.search(rf"<li[^>]*>((?:(?!</li>).)*{title}(?:(?!</li>).)*)</li>", page, re.S)
        assert item, f"{title} is not listed"
        found = re.search(r'<a href="([^"]+)">[^<]*' + title, item.group(1))
        assert found, f"{title} is not a link: {item.group(1)}"
        return found.group(1)

    assert link_of("金牛发来协助请求") == f"/cases/{case['id']}"
    assert link_of("今日期限提醒") == "/inbox"
    assert client.get(link_of("金牛发来协助请求")).status_code == 200


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
