"""In Chromium: a relation transfer from 金牛 to 什邡 from the form to completion, and a batch of
staff uploaded, reported on and filed with its progress bar."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.sla.service import local_today
from tests.e2e.test_browser_flow import login
from tests.integration.test_transfer_batches import sheet_rows, xlsx

pytestmark = [pytest.mark.services, pytest.mark.e2e]


def act(page, action: str, note: str = "") -> None:
    """Take a step on the case page; a step that cannot be undone is confirmed."""
    page.once("dialog", lambda dialog: dialog.accept())
    if note:
        page.fill("#note", note)
    with page.expect_navigation():
        page.click(f"button[data-action={action}]")
    page.wait_for_selector(".flash-success")


def test_a_transfer_in_from_form_to_completion_in_the_browser(live_server, browser):
    base = live_server
    shifang = login(browser, base, "shifang-clerk")
    shifang.goto(f"{base}/cases/new/transfer")
    shifang.select_option("#transfer_out_office", "jinniu")
    shifang.fill("#person-name", "赵六")
    shifang.fill("#person-id_number", "510106199001011233")
    shifang.select_option("#scheme_out", "employee")
    shifang.select_option("#scheme_in", "employee")
    shifang.fill("#suspended_on", (local_today() - timedelta(days=5)).isoformat())
    shifang.select_option("#reason", "employment")
    shifang.fill("#periods-0-pool_code", "510100")
    shifang.fill("#periods-0-start", "2016-01")
    shifang.fill("#periods-0-end", "2026-10")
    shifang.fill("#periods-0-actual_years", "10.8")
    shifang.fill("#account_balance", "2300.50")
    shifang.click("main form button.primary")
    shifang.wait_for_selector("#case-number")
    url = shifang.url
    assert "审核条件" in shifang.inner_text("#business-status")

    jinniu = login(browser, base, "jinniu-clerk")
    jinniu.goto(url)
    act(jinniu, "accept", "材料齐全")
    act(jinniu, "issue_form")
    assert "转入" in jinniu.inner_text("#business-status")

    shifang.goto(url.rstrip("/") + "/info-form")
    assert "510106199001011233" in shifang.inner_text("#info-form")
    assert shifang.locator("#verified.status-completed").count() == 1
    shifang.goto(url)
    act(shifang, "credit_balance")
    act(shifang, "complete")
    assert "已办结" in shifang.inner_text("#case-status")
    jinniu.reload()
    timeline = jinniu.inner_text("#timeline")
    for step in ("受理", "信息表", "账户余额", "办结"):
        assert step in timeline, step


def test_a_batch_is_checked_reported_and_filed_with_a_progress_bar(live_server, browser, tmp_path):
    base = live_server
    rows = sheet_rows(120)
    rows[31][1] = "51010619800101"  # too short: row 32 is refused
    sheet = tmp_path / "调动职工.xlsx"
    sheet.write_bytes(xlsx(rows))
    page = login(browser, base, "shifang-clerk")
    page.goto(f"{base}/cases/new/transfer")
    page.click("#batch-link")
    page.select_option("#transfer_out_office", "jinniu")
    page.set_input_files("#file", str(sheet))
    page.click("#batch-upload button[type=submit]")
    page.wait_for_selector("#batch-errors")
    assert page.locator("#batch-errors tbody tr").count() == 1
    assert "32" in page.inner_text("#batch-errors tbody tr")
    assert "119" in page.inner_text("#batch-file button")
    with page.expect_download() as report:
        page.click("#report-xlsx")
    assert report.value.suggested_filename.endswith(".xlsx")

    page.click("#batch-file button")
    page.wait_for_selector("#batch-progress", state="visible")
    # when nothing is pending the page reloads with every row filed
    page.wait_for_selector("#batch-summary[data-filed='119']", timeout=120_000)
    assert page.locator("#batch-file").count() == 0  # nothing left to file
    assert page.locator("#batch-rows a[href^='/cases/']").count() == 119
