"""The PDFs a clerk downloads: the transfer's 信息表 (API and web) and the retiree result letter.
Their text is extracted and checked — the Chinese fields, the issuing office, the date, the
verification code, "第 N 页 共 M 页" — with the Chinese font embedded; an office not party to the
case gets 404, and every download is audited."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlmodel import select

from service.audit.models import AuditEntry
from service.db import get_db
from service.sla.service import local_today
from tests.integration.test_retiree_cases import MALE_ID
from tests.integration.test_retiree_cases import body as retiree_body
from tests.integration.test_transfers import PERSON
from tests.integration.test_transfers import body as transfer_body

pytestmark = pytest.mark.services


def pdf_pages(response) -> list[str]:
    """Each page's text, whitespace (and the NULs pypdf reads between two-byte CID codes)
    removed, so that what is compared is the characters a reader sees."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.get_data()))
    return [
        "".join(c for c in page.extract_text() if c != "\x00" and not c.isspace())
        for page in reader.pages
    ]


def embedded_fonts(response) -> set[str]:
    """The base names of the fonts whose program is embedded in the PDF."""
    reader = PdfReader(io.BytesIO(response.get_data()))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(descendant.get_object()["/BaseFont"]))
    return names


def audited(app, action: str) -> list[AuditEntry]:
    with get_db(app).session() as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)))


def issued_transfer(api) -> int:
    shifang, jinniu = api("shifang-clerk"), api("jinniu-clerk")
    cid = shifang.post("/cases", json=transfer_body()).get_json()["id"]
    assert jinniu.act(cid, "accept").status_code == 200
    assert jinniu.act(cid, "issue_form").status_code == 200
    return cid


def test_the_information_form_pdf_carries_the_fields_office_date_code_and_page_numbers(app, api):
    cid = issued_transfer(api)
    shifang = api("shifang-clerk")
    form = shifang.get(f"/cases/{cid}/info-form").get_json()
    response = shifang.get(f"/cases/{cid}/info-form.pdf")
    pages = pdf_pages(response)
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert form["case_number"] in response.headers["Content-Disposition"]
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "参保人员基本医疗保险信息表",
        "出具单位",
        "成都市金牛区医疗保障局",
        f"出具日期：{local_today().isoformat()}",
        "转入地经办单位",
        f"公民身份号码{PERSON['id_number']}",
        f"姓名{PERSON['name']}",
        "转出地险种职工基本医疗保险",
        "个人账户余额（元）3520.40",
        "5101002015-072026-1011.30",  # the insured period's row
        f"校验码：{form['verification_code']}",
        "第1页共1页",
    ):
        assert expected in text, expected
    assert any("NotoSansCJK" in name for name in embedded_fonts(response))
    entries = audited(app, "transfer.info_form_pdf")
    assert [(e.office_code, e.object_id) for e in entries] == [("shifang", str(cid))]


def test_the_information_form_pdf_is_refused_to_an_office_not_party_and_before_issue(app, api):
    shifang, pengzhou = api("shifang-clerk"), api("pengzhou-clerk")
    cid = shifang.post("/cases", json=transfer_body()).get_json()["id"]
    assert shifang.get(f"/cases/{cid}/info-form.pdf").status_code == 409  # not yet issued
    api("jinniu-clerk").act(cid, "accept")
    api("jinniu-clerk").act(cid, "issue_form")
    assert pengzhou.get(f"/cases/{cid}/info-form.pdf").status_code == 404
    general = pengzhou.file(to="shifang").get_json()
    assert pengzhou.get(f"/cases/{general['id']}/info-form.pdf").status_code == 404
    assert audited(app, "transfer.info_form_pdf") == []


def test_the_information_form_page_links_its_pdf_and_the_web_download_is_audited(
    app, client, auth, api
):
    cid = issued_transfer(api)
    auth.login("jinniu-clerk")
    assert f'href="/cases/{cid}/info-form.pdf"' in client.get(f"/cases/{cid}").get_data(
        as_text=True
    )
    page = client.get(f"/cases/{cid}/info-form").get_data(as_text=True)
    assert f'href="/cases/{cid}/info-form.pdf"' in page
    text = pdf_pages(client.get(f"/cases/{cid}/info-form.pdf"))[0]
    assert "成都市金牛区医疗保障局" in text and "第1页共1页" in text
    assert [e.office_code for e in audited(app, "transfer.info_form_pdf")] == ["jinniu"]
    auth.logout()
    auth.login("pengzhou-clerk")
    assert client.get(f"/cases/{cid}/info-form.pdf").status_code == 404


def test_the_retiree_letter_pdf_for_the_parties_only_and_every_download_audited(
    app, client, auth, api
):
    case = api("jinniu-clerk").post("/cases", json=retiree_body()).get_json()
    auth.login("jinniu-clerk")
    detail = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert f'href="/cases/{case["id"]}/retiree-letter.pdf"' in detail
    letter = client.get(f"/cases/{case['id']}/retiree-letter").get_data(as_text=True)
    assert f'href="/cases/{case["id"]}/retiree-letter.pdf"' in letter
    response = client.get(f"/cases/{case['id']}/retiree-letter.pdf")
    pages = pdf_pages(response)
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "缴费年限核定结果",
        case["number"],
        f"公民身份号码{MALE_ID}",
        "姓名张三",
        "性别男",
        "累计缴费年限",
        "差额（需补缴年限）1.0需补缴",
        "什邡",  # the settling office issues it
        f"日期：{local_today().isoformat()}",
        "第1页共1页",
    ):
        assert expected in text, expected
    assert "暂定结果" in text  # provisional until the settling office confirms it
    assert any("NotoSansCJK" in name for name in embedded_fonts(response))
    assert [e.office_code for e in audited(app, "retiree.letter_pdf")] == ["jinniu"]

    auth.logout()
    auth.login("pengzhou-clerk")
    assert client.get(f"/cases/{case['id']}/retiree-letter.pdf").status_code == 404
    general = api("pengzhou-clerk").file(to="shifang").get_json()
    assert client.get(f"/cases/{general['id']}/retiree-letter.pdf").status_code == 404
    assert len(audited(app, "retiree.letter_pdf")) == 1
