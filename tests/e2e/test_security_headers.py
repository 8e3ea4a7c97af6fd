"""In Chromium, under the strict Content Security Policy: every page renders and works (the case
page's confirm and print buttons, the API documentation) without a single violation, and
another site cannot show a case page in a frame (no clickjacking of accept or reject)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import Api
from tests.e2e.test_browser_flow import login
from tests.support import free_port

pytestmark = [pytest.mark.services, pytest.mark.e2e]

# Violations as the page sees them; window.print recorded instead of opening the dialog.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


class Watched:
    """A logged-in page that collects every CSP violation reported on it."""

    def __init__(self, browser, base: str, username: str) -> None:
        self.base = base
        self.page = login(browser, base, username)
        self.refused: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.refused.append(f"page error: {error}"))
        self.page.add_init_script(WATCH)

    def _console(self, message) -> None:
        if "Refused to" in message.text or "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def visit(self, path: str, status: int = 200):
        response = self.page.goto(self.base + path)
        assert response.status == status, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        self.check(path)
        return response

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__violations || []")
        assert violations == [] and self.refused == [], (where, violations, self.refused)

    def styled(self) -> bool:
        """The site's stylesheet applied (a page without it has a white header bar)."""
        return self.page.evaluate(
            "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
        ) not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


def test_every_page_renders_under_the_policy_without_a_violation(app, live_server, browser):
    case = Api(app, "jinniu-clerk").file(title="内容安全策略下的案件").get_json()
    for username in ("jinniu-clerk", "jinniu-investigator", "shifang-supervisor"):
        user = Watched(browser, live_server, username)
        user.check("after login")
        assert user.styled()
        user.visit("/cases/new")
        forms = [a.get_attribute("href") for a in user.page.query_selector_all("#kinds a")]
        assert forms, username
        for path in ["/", "/cases", "/inbox", "/account", "/api/docs", *forms]:
            user.visit(path)
        user.visit(f"/cases/{case['id']}")
        user.visit("/no-such-page", status=404)
        user.page.context.close()

    docs = Watched(browser, live_server, "jinniu-clerk")
    docs.visit("/api/docs")
    assert docs.styled() and docs.page.locator(".api-docs section.card").count() > 5
    docs.page.context.close()

    admin = Watched(browser, live_server, "admin")
    for path in ("/", "/admin/channels", "/admin/channels/shifang", "/admin/deliveries"):
        admin.visit(path)
    admin.visit("/admin/calendar")
    admin.page.context.close()


def test_the_case_page_buttons_work_under_the_policy(app, live_server, browser):
    case = Api(app, "jinniu-clerk").file(title="确认与打印").get_json()
    user = Watched(browser, live_server, "jinniu-clerk")
    user.visit(f"/cases/{case['id']}")

    user.page.click("[data-print]")
    assert user.page.evaluate("window.__printed") == 1

    asked = []

    def say_no(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    user.page.once("dialog", say_no)
    user.page.click("button[data-action=cancel]")
    user.page.wait_for_timeout(300)
    assert asked and "撤回" in asked[0]  # app.js asked first, so it ran under the policy
    assert "已提交" in user.page.inner_text("#case-status")
    user.check("after the buttons")


@pytest.fixture
def other_site():
    """A page of another origin that tries to show a case page in a frame. Same host, other
    port: the same site to the browser, so the session cookie goes along with the frame."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's hook
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_another_site_cannot_frame_the_case_page(app, live_server, browser, other_site):
    case = Api(app, "jinniu-clerk").file(title="防止点击劫持").get_json()
    page = login(browser, live_server, "shifang-clerk")
    shown = page.goto(f"{live_server}/cases/{case['id']}")
    assert shown.headers["x-frame-options"] == "DENY"
    assert case["number"] in page.inner_text("#case-number")  # the page itself opens

    refused = []
    page.on("console", lambda message: refused.append(message.text))
    origin, pages = other_site
    pages["/win-a-prize"] = (
        f'<!doctype html><h1>Win a prize</h1><iframe id="victim" width="800" height="600" '
        f'src="{live_server}/cases/{case["id"]}"></iframe>'
    ).encode()
    page.goto(f"{origin}/win-a-prize")
    page.wait_for_timeout(1000)
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed, "the frame element is there"
    for frame in framed:
        try:
            content = frame.content()
        except Exception:  # noqa: BLE001 - a blocked frame may have no document to read
            content = ""
        assert case["number"] not in content and "data-action" not in content
    assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in refused)
    page.context.close()
