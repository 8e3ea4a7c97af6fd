"""The Chinese web pages: log in, file, see it arrive, accept, and the filer sees the answer."""

from __future__ import annotations

import re

import pytest

from tests.support import wait_for

pytestmark = pytest.mark.services


def text(response) -> str:
    return response.get_data(as_text=True)


def test_login_page_is_chinese_and_rejects_wrong_passwords(client, auth):
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in text(page)
    wrong = auth.login("jinniu-clerk", "not-the-password")
    assert wrong.status_code == 401
    assert "用户名或密码错误" in text(wrong)
    assert "jinniu-clerk" in text(wrong)  # the form keeps what was typed


def test_pages_need_a_login(client):
    response = client.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_cookie_is_httponly_and_samesite(client, auth):
    response = auth.login("jinniu-clerk")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_need_a_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "jinniu-clerk", "password": "demo-pass-2026"}
    )
    assert response.status_code == 400
    assert "表单已过期" in text(response)


def test_request_filed_in_the_browser_reaches_the_partner_and_comes_back_accepted(app, worker):
    from tests.conftest import AuthActions

    jinniu, shifang = app.test_client(), app.test_client()
    AuthActions(jinniu).login("jinniu-clerk")
    AuthActions(shifang).login("shifang-clerk")

    chooser = text(jinniu.get("/cases/new"))
    assert "一般协办事项" in chooser and "/cases/new/general" in chooser
    form = jinniu.get("/cases/new/general")
    assert "一般协办事项" in text(form)
    assert "什邡市医疗保障局" in text(form)
    assert "金牛区—什邡市医疗保障跨区域协作框架协议" in text(form)

    created = jinniu.post(
        "/cases/new/general",
        data={
            "receiving_office": "shifang",
            "title": "协助调取结算记录",
            "description": "请协助调取2026年结算记录。",
        },
    )
    assert created.status_code == 302
    case_url = created.headers["Location"]
    case_id = int(case_url.rstrip("/").split("/")[-1])
    page = text(jinniu.get(case_url))
    assert "已提交" in page and "尚未查阅" in page

    wait_for(lambda: "协助调取结算记录" in text(shifang.get("/inbox")), message="the inbox")
    header = text(shifang.get("/"))
    assert re.search(r'id="unread-count">\s*1\s*<', header)

    opened = text(shifang.get(case_url))
    assert "已接收" in opened
    assert 'data-action="accept"' in opened

    # the inbox item about it is read now: the header count is gone
    assert 'id="unread-count"' not in text(shifang.get("/"))

    accepted = shifang.post(f"/cases/{case_id}/act", data={"action": "accept", "note": "已受理"})
    assert accepted.status_code == 302

    seen = text(jinniu.get(case_url))
    assert "已受理" in seen
    assert "什邡经办员" in seen  # read receipt: who opened it
    timeline = seen[seen.index('id="timeline"') :]
    assert timeline.count("<li") == 3
    wait_for(
        lambda: "已受理" in text(jinniu.get("/inbox")), message="the answer in the filer's inbox"
    )


def test_invalid_form_keeps_what_was_typed_and_says_why_in_chinese(client, auth):
    auth.login("jinniu-clerk")
    response = client.post(
        "/cases/new/general",
        data={"receiving_office": "", "title": "", "description": "保留这段描述"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "请选择接收单位" in page
    assert "请填写标题" in page
    assert "保留这段描述" in page


def test_reject_without_reason_shows_the_error_on_the_case_page(client, auth, api):
    case = api("jinniu-clerk").file(title="需要理由").get_json()
    auth.login("shifang-clerk")
    response = client.post(f"/cases/{case['id']}/act", data={"action": "reject", "reason": ""})
    assert response.status_code == 422
    assert "此操作须填写理由" in text(response)


def test_case_list_shows_filters_and_pages(client, auth, api):
    jinniu = api("jinniu-clerk")
    for i in range(23):
        jinniu.file(title=f"批量请求{i:02d}")
    auth.login("jinniu-clerk")
    first = text(client.get("/cases"))
    assert "批量请求22" in first and "批量请求02" not in first
    assert "第 1 页，共 2 页" in first
    second = text(client.get("/cases?page=2"))
    assert "批量请求02" in second
    filtered = text(client.get("/cases?q=批量请求05"))
    assert "批量请求05" in filtered and "批量请求06" not in filtered


def test_english_is_one_click_away(client, auth):
    auth.login("jinniu-clerk")
    client.get("/lang/en")
    page = text(client.get("/"))
    assert "Open cases" in page and "Log out" in page
    client.get("/lang/zh_CN")
    assert "退出登录" in text(client.get("/"))


def test_other_offices_case_page_is_404_in_chinese(client, auth, api):
    case = api("jinniu-clerk").file().get_json()
    auth.login("pengzhou-clerk")
    response = client.get(f"/cases/{case['id']}")
    assert response.status_code == 404
    assert "不存在" in text(response)


def test_logout_ends_the_session(client, auth):
    auth.login("jinniu-clerk")
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_home_counts_what_waits_for_the_office(app, api):
    from tests.conftest import AuthActions

    jinniu, shifang = app.test_client(), app.test_client()
    AuthActions(jinniu).login("jinniu-clerk")
    AuthActions(shifang).login("shifang-clerk")

    def waiting(client) -> int:
        page = text(client.get("/"))
        return int(re.search(r'id="waiting-total">(\d+)<', page).group(1))

    case = api("jinniu-clerk").file(title="等待对方办理").get_json()
    assert (waiting(jinniu), waiting(shifang)) == (0, 1)
    api("shifang-clerk").act(case["id"], "return", reason="请补充材料")
    assert (waiting(jinniu), waiting(shifang)) == (1, 0)  # the correction is owed by 金牛 now
    api("jinniu-clerk").act(case["id"], "cancel", reason="重复提交")
    assert (waiting(jinniu), waiting(shifang)) == (0, 0)


def test_case_page_shows_the_agreement_and_whether_it_is_still_in_force(app, client, auth, api):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from service.db import get_db
    from service.offices.service import agreement_between

    case = api("pengzhou-clerk").file(to="shifang").get_json()
    with get_db(app).session() as db:
        agreement = agreement_between(db, "pengzhou", "shifang")
    auth.login("pengzhou-clerk")
    page = text(client.get(f"/cases/{case['id']}"))
    shown = page[page.index('id="agreement"') :].split("</dd>")[0]
    assert agreement.title in shown
    expired = agreement.valid_to < datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert ("已到期" in shown) is expired
