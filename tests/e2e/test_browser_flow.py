"""In Chromium: 金牛 files a request, 什邡 finds it in the inbox and accepts, 金牛 sees the answer."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, wait_for

pytestmark = [pytest.mark.services, pytest.mark.e2e]


def login(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_request_round_trip_in_the_browser(live_server, browser, worker, tmp_path):
    base = live_server
    jinniu = login(browser, base, "jinniu-clerk")
    jinniu.click("#new-request-link")
    jinniu.click("#kinds a[href$='/cases/new/general']")
    jinniu.select_option("#receiving_office", "shifang")
    jinniu.fill("#title", "协助核实参保人异地就医记录")
    jinniu.fill("#description", "请协助核实 2026 年 10 月的住院结算记录。")
    jinniu.click("main button[type=submit]")
    jinniu.wait_for_selector("#case-number")
    number = jinniu.inner_text("#case-number")
    assert number.startswith("JN-")
    assert "已提交" in jinniu.inner_text("#case-status")

    shifang = login(browser, base, "shifang-clerk")

    def arrived() -> bool:
        shifang.goto(f"{base}/inbox")
        return number in shifang.inner_text("#inbox")

    wait_for(arrived, timeout=30, interval=0.5, message="the request in 什邡's inbox")
    assert shifang.inner_text("#unread-count").strip() == "1"
    shifang.click(f"#inbox tr:has-text('{number}') button:has-text('查看')")
    shifang.wait_for_selector("#actions")
    shifang.fill("#note", "已安排专人核实")
    shifang.click("button[data-action=accept]")
    shifang.wait_for_selector(".flash-success")
    assert "已受理" in shifang.inner_text("#case-status")

    jinniu.reload()
    assert "已受理" in jinniu.inner_text("#case-status")
    assert "什邡经办员" in jinniu.inner_text("#read-receipt")
    assert jinniu.locator("#timeline li").count() == 3
    jinniu.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)

    def answered() -> bool:
        jinniu.goto(f"{base}/inbox")
        return number in jinniu.inner_text("#inbox")

    wait_for(answered, timeout=30, interval=0.5, message="the answer in 金牛's inbox")
