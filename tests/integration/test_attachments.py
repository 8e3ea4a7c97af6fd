"""Evidence files on a case: uploaded by the parties, over the API and the case page, checked by
content, kept under random keys in the instance folder, downloaded as they were, audited."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from sqlmodel import select

from service.attachments.models import CaseAttachment
from service.audit.models import AuditEntry
from service.db import get_db
from tests.conftest import AuthActions
from tests.unit.test_attachment_rules import docx, jpeg, ofd, pdf, png, xlsx

pytestmark = pytest.mark.services

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def own_folder(app, tmp_path):
    """Each test keeps its files in a folder of its own (the instance folder is the session's)."""
    limits(app, attachment_path=str(tmp_path / "attachments"))
    return tmp_path / "attachments"


def big_pdf(size: int) -> bytes:
    head = pdf()
    return head + b"%" * (size - len(head))


def upload(client, case_id: int, content: bytes, name: str):
    """POST one file to the API as a partner system would."""
    return client.client.post(
        f"/api/v1/cases/{case_id}/attachments",
        data={"file": (io.BytesIO(content), name)},
        headers=client._headers(),
        content_type="multipart/form-data",
    )


def rows(app, model, *where):
    with get_db(app).session() as db:
        return list(db.exec(select(model).where(*where)))


def stored_files(app) -> list[Path]:
    folder = app.config["REFERRAL"].attachment_folder
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def limits(app, **values) -> None:
    app.config["REFERRAL"] = app.config["REFERRAL"].model_copy(update=values)


def web(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def page(response) -> str:
    return response.get_data(as_text=True)


# --- API ------------------------------------------------------------------------------------


def test_a_file_uploaded_by_one_office_is_downloaded_by_the_other_byte_for_byte(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    content = pdf()

    created = upload(jinniu, case["id"], content, "参保人身份证明.pdf")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body) == {
        "id",
        "name",
        "size",
        "sha256",
        "content_type",
        "uploaded_at",
        "uploaded_by",
    }
    assert body["name"] == "参保人身份证明.pdf"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["uploaded_at"].endswith("+08:00")
    assert body["uploaded_by"] == "金牛经办员"
    assert created.headers["Location"] == f"/api/v1/cases/{case['id']}/attachments/{body['id']}"

    listed = shifang.get(f"/cases/{case['id']}/attachments")
    assert listed.status_code == 200
    assert listed.get_json() == {"items": [body]}

    download = shifang.get(f"/cases/{case['id']}/attachments/{body['id']}")
    assert download.status_code == 200
    assert download.data == content
    assert hashlib.sha256(download.data).hexdigest() == body["sha256"]
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="attachment-{body["id"]}.pdf"' in disposition
    assert (
        "filename*=UTF-8''%E5%8F%82%E4%BF%9D%E4%BA%BA%E8%BA%AB%E4%BB%BD%E8%AF%81%E6%98%8E.pdf"
        in disposition
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    # Its own policy, not the pages' one: a downloaded file never runs anything.
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    timeline = shifang.get(f"/cases/{case['id']}/timeline").get_json()
    assert [(e["action"], e["note"], e["office"]) for e in timeline][-1] == (
        "attach",
        "参保人身份证明.pdf",
        "jinniu",
    )


def test_every_download_leaves_an_audit_entry(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    attachment = upload(jinniu, case["id"], png(), "现场照片.png").get_json()

    for _ in range(2):
        assert shifang.get(f"/cases/{case['id']}/attachments/{attachment['id']}").status_code == 200

    entries = rows(app, AuditEntry, AuditEntry.action == "attachment.download")
    assert len(entries) == 2
    assert {e.office_code for e in entries} == {"shifang"}
    assert {e.object_type for e in entries} == {"attachment"}
    assert {e.object_id for e in entries} == {str(attachment["id"])}
    assert entries[0].detail["case_id"] == case["id"]
    assert entries[0].detail["sha256"] == attachment["sha256"]
    uploads = rows(app, AuditEntry, AuditEntry.action == "attachment.upload")
    assert [(u.office_code, u.detail["name"]) for u in uploads] == [("jinniu", "现场照片.png")]


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (pdf(), "扫描件.txt", "application/pdf"),
        (ofd(), "电子证照", "application/ofd"),
        (jpeg(), "photo.exe", "image/jpeg"),
        (png(), "截图.PNG", "image/png"),
        (
            docx(),
            "情况说明.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            xlsx(),
            "费用明细.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_the_type_is_what_the_content_is(api, content, name, content_type):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    created = upload(jinniu, case["id"], content, name)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["content_type"] == content_type
    assert created.get_json()["name"] == name
    download = jinniu.get(f"/cases/{case['id']}/attachments/{created.get_json()['id']}")
    assert download.mimetype == content_type


@pytest.mark.parametrize(
    ("content", "name"),
    [(EXE, "发票.pdf"), (HTML, "report.pdf"), (b"PK\x03\x04" + b"\x00" * 64, "材料.docx")],
    ids=["renamed-executable", "renamed-html", "broken-zip"],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(app, api, content, name):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()

    refused = upload(jinniu, case["id"], content, name)

    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    error = refused.get_json()["errors"][0]
    assert error["field"] == "file"
    assert name in error["message"] and "不是允许的文件类型" in error["message"]
    assert jinniu.get(f"/cases/{case['id']}/attachments").get_json() == {"items": []}
    assert stored_files(app) == []  # not even a temporary file is left


def test_a_20_mb_file_passes_the_request_limit_and_one_byte_more_is_refused(app, api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    limit = app.config["REFERRAL"].attachment_max_bytes
    assert limit == 20 * 1024 * 1024
    assert app.config["REFERRAL"].max_request_bytes < limit  # JSON bodies stay small

    exact = big_pdf(limit)
    created = upload(jinniu, case["id"], exact, "病历扫描件.pdf")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["size"] == limit
    assert created.get_json()["sha256"] == hashlib.sha256(exact).hexdigest()
    del exact

    refused = upload(jinniu, case["id"], big_pdf(limit + 1), "太大的扫描件.pdf")
    assert refused.status_code == 413
    assert refused.headers["Content-Type"] == "application/problem+json"
    error = refused.get_json()["errors"][0]
    assert error["field"] == "file"
    assert "太大的扫描件.pdf" in error["message"] and "20 MB" in error["message"]
    assert len(jinniu.get(f"/cases/{case['id']}/attachments").get_json()["items"]) == 1
    assert len(stored_files(app)) == 1

    # Elsewhere the 1 MB limit still holds, for JSON and for multipart alike.
    huge_json = jinniu.client.post(
        "/api/v1/cases",
        data=b'{"title": "' + b"x" * 2_000_000 + b'"}',
        headers={**jinniu._headers(), "Content-Type": "application/json"},
    )
    assert huge_json.status_code == 413
    huge_form = jinniu.client.post(
        f"/api/v1/cases/{case['id']}/actions/accept",
        data={"file": (io.BytesIO(big_pdf(2_000_000)), "x.pdf")},
        headers=jinniu._headers(),
        content_type="multipart/form-data",
    )
    assert huge_form.status_code in (413, 415)


def test_a_body_beyond_the_upload_limit_is_refused_naming_the_file(app, api):
    limits(app, attachment_max_bytes=1000, max_request_bytes=10_000)
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()

    refused = upload(jinniu, case["id"], big_pdf(50_000), "扫描件.pdf")

    assert refused.status_code == 413
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.get_json()["errors"][0]["field"] == "file"
    assert "1000 B" in refused.get_json()["errors"][0]["message"]
    assert stored_files(app) == []


def test_upload_without_a_file_or_as_json_is_a_problem_naming_what_is_missing(api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    as_json = jinniu.post(f"/cases/{case['id']}/attachments", json={"file": "JVBERi0="})
    assert as_json.status_code == 415
    no_file = jinniu.client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        data={"other": (io.BytesIO(pdf()), "a.pdf")},
        headers=jinniu._headers(),
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422
    assert no_file.get_json()["errors"][0]["field"] == "file"
    empty = upload(jinniu, case["id"], b"", "空.pdf")
    assert empty.status_code == 422
    assert "空.pdf" in empty.get_json()["errors"][0]["message"]


def test_an_office_not_party_to_the_case_cannot_see_or_add_files(app, api):
    jinniu, pengzhou = api("jinniu-clerk"), api("pengzhou-supervisor")
    case = jinniu.file(to="shifang").get_json()
    attachment = upload(jinniu, case["id"], pdf(), "证据.pdf").get_json()

    for response in (
        pengzhou.get(f"/cases/{case['id']}/attachments"),
        pengzhou.get(f"/cases/{case['id']}/attachments/{attachment['id']}"),
        upload(pengzhou, case["id"], pdf(), "彭州的材料.pdf"),
    ):
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
    admin = api("admin")
    assert admin.get(f"/cases/{case['id']}/attachments").status_code == 404
    # an attachment id of another case is no way in either
    other = jinniu.file().get_json()
    assert jinniu.get(f"/cases/{other['id']}/attachments/{attachment['id']}").status_code == 404
    assert rows(app, AuditEntry, AuditEntry.action == "attachment.download") == []
    assert len(stored_files(app)) == 1


def test_a_supervising_bureau_reads_files_but_adds_none(api):
    jinniu, chengdu = api("jinniu-clerk"), api("chengdu-supervisor")
    case = jinniu.file(to="shifang").get_json()
    attachment = upload(jinniu, case["id"], pdf(), "证据.pdf").get_json()

    assert chengdu.get(f"/cases/{case['id']}/attachments").get_json()["items"] == [attachment]
    assert chengdu.get(f"/cases/{case['id']}/attachments/{attachment['id']}").data == pdf()
    refused = upload(chengdu, case["id"], pdf(), "市局.pdf")
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_closed_case_takes_no_more_files(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    assert shifang.act(case["id"], "reject", reason="不属于本局管辖").status_code == 200

    refused = upload(jinniu, case["id"], pdf(), "补充.pdf")

    assert refused.status_code == 409
    assert "不予受理" in refused.get_json()["detail"]


def test_a_path_as_file_name_is_shown_by_its_last_part_and_stored_under_a_random_key(app, api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()

    created = upload(jinniu, case["id"], pdf(), "../../etc/passwd.pdf")

    assert created.status_code == 201
    assert created.get_json()["name"] == "passwd.pdf"
    (row,) = rows(app, CaseAttachment, CaseAttachment.case_id == case["id"])
    assert re.fullmatch(r"[0-9a-f]{32}", row.storage_key)
    folder = app.config["REFERRAL"].attachment_folder
    assert stored_files(app) == [folder / row.storage_key[:2] / row.storage_key]
    assert not any("passwd" in p.name for p in folder.parent.rglob("*"))


# --- the case page ------------------------------------------------------------------------------


def test_several_files_are_added_on_the_case_page_and_listed_with_their_checksums(app, api):
    jinniu_api = api("jinniu-clerk")
    case = jinniu_api.file().get_json()
    browser = web(app, "jinniu-clerk")
    first, second = pdf(), png()

    before = page(browser.get(f"/cases/{case['id']}"))
    assert 'name="files"' in before and "multiple" in before
    assert "暂无证据材料" in before

    posted = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(first), "协查函.pdf"), (io.BytesIO(second), "现场照片.png")]},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(f"/cases/{case['id']}#attachments")

    shown = page(browser.get(f"/cases/{case['id']}"))
    assert "已添加证据材料：协查函.pdf、现场照片.png" in shown
    assert "协查函.pdf" in shown and "现场照片.png" in shown
    assert hashlib.sha256(first).hexdigest() in shown
    assert hashlib.sha256(second).hexdigest() in shown
    assert "金牛经办员（金牛）" in shown
    assert "上传了证据材料" in shown  # the timeline

    items = jinniu_api.get(f"/cases/{case['id']}/attachments").get_json()["items"]
    assert [i["name"] for i in items] == ["协查函.pdf", "现场照片.png"]
    link = f"/cases/{case['id']}/attachments/{items[0]['id']}"
    assert link in shown
    download = browser.get(link)
    assert download.status_code == 200 and download.data == first
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_refused_upload_is_a_message_on_the_case_page_and_saves_nothing(app, api):
    case = api("jinniu-clerk").file().get_json()
    browser = web(app, "jinniu-clerk")

    posted = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(pdf()), "好的.pdf"), (io.BytesIO(EXE), "发票.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert posted.status_code == 200
    text = page(posted)
    assert "未保存任何文件" in text and "“发票.pdf”不是允许的文件类型" in text
    assert "暂无证据材料" in text
    assert stored_files(app) == []
    assert rows(app, CaseAttachment) == []

    nothing = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(b""), "")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "请选择要上传的文件" in page(nothing)


def test_an_upload_beyond_the_request_limit_is_a_message_not_an_error_page(app, api):
    limits(app, attachment_max_bytes=1000, attachment_max_files=2, max_request_bytes=5_000)
    case = api("jinniu-clerk").file().get_json()
    browser = web(app, "jinniu-clerk")

    posted = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(big_pdf(20_000)), "大.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert posted.status_code == 200
    assert "未保存任何文件" in page(posted) and "1000 B" in page(posted)

    one_too_big = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(big_pdf(1001)), "略大.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "“略大.pdf”超过 1000 B" in page(one_too_big)
    assert stored_files(app) == []


def test_with_csrf_on_a_file_over_the_form_limit_goes_through_the_upload_form(app, api):
    app.config["WTF_CSRF_ENABLED"] = True
    case = api("jinniu-clerk").file().get_json()
    browser = app.test_client()
    login = page(browser.get("/login"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    browser.post(
        "/login",
        data={"username": "jinniu-clerk", "password": "demo-pass-2026", "csrf_token": token},
    )
    detail = page(browser.get(f"/cases/{case['id']}"))
    form = detail[detail.index('id="upload-form"') :]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    content = big_pdf(3_000_000)  # three times the limit of every other form

    forged = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(content), "扫描件.pdf")]},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 400  # no token, no upload
    posted = browser.post(
        f"/cases/{case['id']}/attachments",
        data={"csrf_token": token, "files": [(io.BytesIO(content), "扫描件.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert posted.status_code == 200
    assert "已添加证据材料：扫描件.pdf" in page(posted)
    assert [p.stat().st_size for p in stored_files(app)] == [len(content)]


def test_other_offices_and_bureaus_on_the_case_page(app, api):
    case = api("jinniu-clerk").file(to="shifang").get_json()
    upload(api("jinniu-clerk"), case["id"], pdf(), "证据.pdf")
    aid = rows(app, CaseAttachment)[0].id

    pengzhou = web(app, "pengzhou-clerk")
    assert pengzhou.get(f"/cases/{case['id']}/attachments/{aid}").status_code == 404
    refused = pengzhou.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(pdf()), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 404

    bureau = web(app, "chengdu-supervisor")
    shown = page(bureau.get(f"/cases/{case['id']}"))
    assert "证据.pdf" in shown and 'id="upload-form"' not in shown
    assert bureau.get(f"/cases/{case['id']}/attachments/{aid}").data == pdf()
    posted = bureau.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(pdf()), "市局.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "只有参与本案件的单位的工作人员才能添加证据材料" in page(posted)
    assert len(rows(app, CaseAttachment)) == 1


def test_a_returned_request_is_completed_with_files_and_resubmitted(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file(title="材料不全的请求").get_json()
    assert shifang.act(case["id"], "return", reason="缺少参保人身份证明").status_code == 200

    browser = web(app, "jinniu-clerk")
    returned = page(browser.get(f"/cases/{case['id']}"))
    assert "退回补正" in returned and "请在此补充所缺材料" in returned
    browser.post(
        f"/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(pdf()), "身份证明.pdf"), (io.BytesIO(jpeg()), "户口本.jpg")]},
        content_type="multipart/form-data",
    )
    again = jinniu.act(case["id"], "resubmit", description="已补充身份证明。")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["status"] == "requested"

    items = shifang.get(f"/cases/{case['id']}/attachments").get_json()["items"]
    assert [(i["name"], i["content_type"]) for i in items] == [
        ("身份证明.pdf", "application/pdf"),
        ("户口本.jpg", "image/jpeg"),
    ]
    actions = [e["action"] for e in shifang.get(f"/cases/{case['id']}/timeline").get_json()]
    assert actions[-4:] == ["return", "attach", "attach", "resubmit"]


# --- files and transactions ---------------------------------------------------------------------


def test_files_of_a_transaction_that_does_not_commit_are_removed(app, api):
    from sqlalchemy.exc import IntegrityError
    from werkzeug.datastructures import FileStorage

    from service.accounts.models import User
    from service.attachments import service
    from service.cases.models import Case
    from service.db import get_session

    case_id = api("jinniu-clerk").file().get_json()["id"]
    with app.app_context():
        db = get_session()
        actor = db.exec(select(User).where(User.username == "jinniu-clerk")).one()

        def stage(name: str) -> Path:
            staged = service.add_attachment(
                db,
                actor=actor,
                case=db.get(Case, case_id),
                filename=name,
                content=pdf(),
                commit=False,
            )
            return service.storage_path(staged.storage_key)

        rolled_back = stage("撤销.pdf")
        assert rolled_back.is_file()  # written, renamed, waiting for the commit
        db.rollback()
        assert not rolled_back.exists()

        (from_form,) = service.attach_uploads(
            db,
            actor=actor,
            case=db.get(Case, case_id),
            files=[FileStorage(io.BytesIO(pdf()), filename="表单.pdf"), FileStorage()],
        )
        abandoned = service.storage_path(from_form.storage_key)
        db.close()  # the caller gave up without committing
        assert not abandoned.exists()

        first, second = stage("一.pdf"), stage("二.pdf")
        db.add(
            CaseAttachment(
                case_id=case_id,
                name="冲突.pdf",
                size=1,
                sha256="0" * 64,
                content_type="application/pdf",
                storage_key=first.name,  # the same key twice: the commit fails
                uploaded_by=actor.id,
                office_code="jinniu",
            )
        )
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        assert not first.exists() and not second.exists()

        kept = stage("保留.pdf")
        db.commit()
        assert kept.is_file()
        db.close()
        assert kept.is_file()  # closing after the commit removes nothing

    assert [a.name for a in rows(app, CaseAttachment)] == ["保留.pdf"]
    assert stored_files(app) == [kept]
    events = rows(app, AuditEntry, AuditEntry.action == "attachment.upload")
    assert [e.detail["name"] for e in events] == ["保留.pdf"]


def test_a_new_request_is_filed_with_its_evidence_files_in_one_step(app, api):
    browser = web(app, "jinniu-clerk")
    form = page(browser.get("/cases/new/general"))
    assert 'enctype="multipart/form-data"' in form and 'name="files"' in form
    filed = browser.post(
        "/cases/new/general",
        data={
            "receiving_office": "shifang",
            "title": "附材料的协办请求",
            "files": [(io.BytesIO(pdf()), "协查函.pdf"), (io.BytesIO(png()), "照片.png")],
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, page(filed)
    case_id = int(filed.headers["Location"].rstrip("/").split("/")[-1])
    items = api("shifang-clerk").get(f"/cases/{case_id}/attachments").get_json()["items"]
    assert [i["name"] for i in items] == ["协查函.pdf", "照片.png"]


def test_a_new_request_with_a_file_of_the_wrong_type_files_nothing(app, api):
    browser = web(app, "jinniu-clerk")
    refused = browser.post(
        "/cases/new/general",
        data={
            "receiving_office": "shifang",
            "title": "附错误材料的请求",
            "files": [(io.BytesIO(EXE), "发票.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "附错误材料的请求" in page(refused)  # what was typed stays in the form
    assert 'class="flash flash-error"' in page(refused)
    assert api("jinniu-clerk").get("/cases").get_json()["items"] == []
    assert rows(app, CaseAttachment) == []


def test_a_resubmission_carries_the_missing_files(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    shifang.act(case["id"], "return", reason="请补充协查函")
    browser = web(app, "jinniu-clerk")
    posted = browser.post(
        f"/cases/{case['id']}/act",
        data={"action": "resubmit", "files": [(io.BytesIO(pdf()), "协查函.pdf")]},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    assert jinniu.get(f"/cases/{case['id']}").get_json()["status"] == "requested"
    items = shifang.get(f"/cases/{case['id']}/attachments").get_json()["items"]
    assert [i["name"] for i in items] == ["协查函.pdf"]
