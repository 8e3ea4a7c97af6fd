"""In Chromium: a step that cannot be undone asks first; saying no leaves the case as it was."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.e2e.test_browser_flow import login

pytestmark = [pytest.mark.services, pytest.mark.e2e]


def test_withdrawing_a_request_asks_first_and_needs_a_reason(app, live_server, browser):
    case = Api(app, "jinniu-clerk").file(title="可能撤回的请求").get_json()
    page = login(browser, live_server, "jinniu-clerk")
    page.goto(f"{live_server}/cases/{case['id']}")
    asked = []

    def say_no(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", say_no)
    page.click("button[data-action=cancel]")
    page.wait_for_timeout(300)  # a refused dialog sends nothing: there is no page load to await
    assert asked and "撤回" in asked[0]
    assert "已提交" in page.inner_text("#case-status")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-action=cancel]")
    page.wait_for_selector("[data-field=reason]")  # no reason: refused, the reason box says why
    assert "此操作须填写理由" in page.inner_text("#actions")

    page.fill("#reason", "重复提交，另案办理")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-action=cancel]")
    page.wait_for_selector(".flash-success")
    assert "已撤回" in page.inner_text("#case-status")
    assert "重复提交，另案办理" in page.inner_text("#timeline")
