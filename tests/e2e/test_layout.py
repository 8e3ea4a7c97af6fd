"""In Chromium, on a 1366×768 office screen and a 375 px phone: the inbox and the deadline table
stay readable, checkboxes and radios sit beside their labels, and a case prints as a document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from service.accounts.models import User
from service.db import get_db, utcnow
from service.notifications.models import Notification
from tests.e2e.test_browser_flow import login

pytestmark = [pytest.mark.services, pytest.mark.e2e]

PHONE = {"width": 375, "height": 812}
LONG_TITLE = (
    "协助核实参保人员异地就医登记信息及定点医疗机构住院结算记录（2026 年第三季度，共 12 人次）"
)
LONG_REASON = (
    "等待外地医疗机构出具住院病历复印件及费用明细清单，" * 5
    + "对方称须经院办审批后方可寄送，预计两周内寄达。"
)

# How many lines an element's text takes (its content height over its line height).
LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight);
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def lines(locator) -> float:
    return locator.evaluate(LINES)


def fill_inbox(app) -> None:
    """什邡's inbox: long subjects, one item read by the clerk, one to acknowledge."""
    now = utcnow()
    with get_db(app).session() as db:
        clerk = db.exec(select(User).where(User.username == "shifang-clerk")).one()
        db.add_all(
            [
                Notification(
                    event="case.requested",
                    sender_office="jinniu",
                    recipient_office="shifang",
                    title=f"金牛发来协助请求：JN-2026-00001{i} {LONG_TITLE}",
                    delivered_at=now - timedelta(minutes=10 - i),
                    read_at=now if i == 0 else None,
                    read_by=clerk.id if i == 0 else None,
                )
                for i in range(3)
            ]
            + [
                Notification(
                    event="sla.escalation",
                    recipient_office="shifang",
                    title="已超期：JN-2026-000010 接收单位答复（受理、不予受理或退回补正），已超期 3 天",
                    requires_ack=True,
                    delivered_at=now,
                )
            ]
        )
        db.commit()


def test_the_inbox_reads_on_an_office_screen_and_on_a_phone(app, live_server, browser):
    fill_inbox(app)
    page = login(browser, live_server, "shifang-clerk")
    page.goto(f"{live_server}/inbox")
    rows = page.locator("#inbox tbody tr")
    assert rows.count() == 4
    for i in range(4):
        row = rows.nth(i)
        assert lines(row.locator("button:has-text('查看')")) < 1.5
        assert lines(row.locator("td").first) < 1.5  # the delivery time on one line
    assert lines(page.locator("#inbox button:has-text('确认收悉')")) < 1.5

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways on a phone"
    for i in range(4):
        row = rows.nth(i)
        subject = row.locator("td", has_text="JN-2026-0000").bounding_box()
        assert subject["width"] >= 250, "the subject is squeezed into a narrow column"
        assert lines(row.locator("button:has-text('查看')")) < 1.5


def test_a_long_pause_reason_wraps_in_its_cell_and_leaves_the_other_columns_alone(
    app, api, live_server, browser
):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file(title=LONG_TITLE).get_json()
    shifang.act(case["id"], "accept")
    assert shifang.act(case["id"], "hold", reason=LONG_REASON).status_code == 200

    page = login(browser, live_server, "shifang-clerk")
    page.goto(f"{live_server}/cases/{case['id']}")
    table = page.locator("#deadlines table")
    paused = page.locator('#deadlines tr[data-step="complete"] td')
    step, office, period, due, state = (paused.nth(i) for i in range(5))
    assert LONG_REASON in " ".join(state.inner_text().split())
    assert lines(office) < 1.5 and lines(period) < 1.5
    assert lines(due.locator("span").first) < 1.5
    assert step.bounding_box()["width"] >= 250, "the step column is squeezed"
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways on a phone"
    assert state.bounding_box()["width"] >= 250, "the pause reason is squeezed"
    assert lines(office) < 1.5 and lines(period) < 1.5


def beside(control, label) -> bool:
    """The label's text starts right of the control, on the same line."""
    c, t = control.bounding_box(), label.bounding_box()
    return (
        t["x"] >= c["x"] + c["width"]
        and abs((c["y"] + c["height"] / 2) - (t["y"] + t["height"] / 2)) <= 4
    )


def test_checkboxes_and_radios_sit_beside_their_labels_which_toggle_them(live_server, browser):
    page = login(browser, live_server, "admin")
    page.goto(f"{live_server}/admin/channels/shifang")
    box, text = page.locator("#webhook_active"), page.get_by_text("推送 Webhook", exact=True)
    assert beside(box, text)
    was = box.is_checked()
    text.click()
    assert box.is_checked() is not was
    assert page.locator("label:has(#webhook_active)").bounding_box()["height"] >= 32

    page.goto(f"{live_server}/admin/calendar")
    radios = page.locator("input[type=radio][name=kind]")
    assert radios.count() == 2
    for i in range(2):
        radio = radios.nth(i)
        label = page.locator(f"label:has(#{radio.get_attribute('id')})")
        assert label.bounding_box()["height"] >= 32, "the hit area is too small"
        caption = label.locator("span")
        assert beside(radio, caption)
        caption.click()
        assert radio.is_checked()
    first, second = (radios.nth(i).bounding_box() for i in range(2))
    assert abs(first["x"] - second["x"]) <= 1 or abs(first["y"] - second["y"]) <= 1  # aligned


def test_a_case_prints_as_a_document(app, api, live_server, browser):
    case = api("jinniu-clerk").file(title=LONG_TITLE).get_json()
    page = login(browser, live_server, "shifang-clerk")
    page.goto(f"{live_server}/cases/{case['id']}")
    assert page.locator("#actions").is_visible()
    page.emulate_media(media="print")
    for selector in (".topbar", ".mainnav", ".lang", ".footer", "#actions", "main form", "button"):
        shown = [e for e in page.locator(selector).all() if e.is_visible()]
        assert shown == [], f"{selector} is printed"
    heading = page.locator("h1")
    assert heading.inner_text().startswith(case["number"]) and LONG_TITLE in heading.inner_text()
    assert heading.bounding_box()["y"] < 40, "the case number is not at the top of the page"
    colours = page.evaluate(
        "() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    assert (
        page.locator("#deadlines tbody tr").first.evaluate("tr => getComputedStyle(tr).breakInside")
        == "avoid"
    )
    assert page.pdf(format="A4")[:4] == b"%PDF"
