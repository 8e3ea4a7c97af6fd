"""Batch transfers: an employer's sheet of staff moving from 金牛 to 什邡, every row checked before
anything is filed, the refused rows reported (page and file), the rest filed once each."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from openpyxl import Workbook, load_workbook

from service.identifiers import id_check_char
from service.sla.service import local_today
from tests.support import PASSWORD

pytestmark = pytest.mark.services


def person_id(n: int) -> str:
    born = date(1980, 1, 1) + timedelta(days=n)
    first17 = f"510106{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def sheet_rows(count: int, *, start: int = 0) -> list[list[str]]:
    """The template's headers (as the zh_CN template writes them) and ``count`` good rows."""
    suspended = (local_today() - timedelta(days=3)).isoformat()
    rows = [list(ZH_HEADERS)]
    for n in range(start, start + count):
        rows.append(
            [
                f"员工{n}",
                person_id(n),
                "13800000000",
                "职工",
                "职工",
                suspended,
                "就业",
                "100.00",
                "510100",
                "2015-01",
                "2026-10",
                "11",
                "",
            ]
            + [""] * 10
        )
    return rows


ZH_HEADERS = (
    "姓名",
    "公民身份号码",
    "联系电话",
    "转出地险种",
    "转入地险种",
    "中止参保日期",
    "转移原因",
    "个人账户余额（元）",
    "参保期间1 统筹区编码",
    "参保期间1 起始年月（YYYY-MM）",
    "参保期间1 截止年月（YYYY-MM）",
    "参保期间1 实际缴费年限",
    "参保期间1 视同缴费年限",
    "参保期间2 统筹区编码",
    "参保期间2 起始年月（YYYY-MM）",
    "参保期间2 截止年月（YYYY-MM）",
    "参保期间2 实际缴费年限",
    "参保期间2 视同缴费年限",
    "参保期间3 统筹区编码",
    "参保期间3 起始年月（YYYY-MM）",
    "参保期间3 截止年月（YYYY-MM）",
    "参保期间3 实际缴费年限",
    "参保期间3 视同缴费年限",
)


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name: str = "staff.xlsx", **offices):
    data = {
        "transfer_out_office": offices.get("out", "jinniu"),
        "transfer_in_office": offices.get("into", "shifang"),
        "file": (io.BytesIO(content), name),
    }
    return client.post("/transfers/batches", data=data, content_type="multipart/form-data")


def batch_id_of(response) -> int:
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[-3000:]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def all_cases(client) -> list[dict]:
    items, cursor = [], ""
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        page = client.get(f"/cases?kind=transfer&limit=100{after}").get_json()
        assert "items" in page, page
        items += page["items"]
        if not page["next_cursor"]:
            return items
        cursor = page["next_cursor"]


def refused_rows(page: str) -> dict[int, list[str]]:
    table = page.split('id="batch-errors"', 1)[1].split("</table>", 1)[0]
    found: dict[int, list[str]] = {}
    for number, message in re.findall(
        r'<tr data-row="(\d+)">\s*<td[^>]*>\d+</td>\s*<td[^>]*>[^<]*</td>\s*'
        r'<td class="text"[^>]*>([^<]*)</td>',
        table,
    ):
        found.setdefault(int(number), []).append(unescape(message))
    return found


def test_the_template_comes_as_excel_and_as_csv_with_chinese_headers(client, auth):
    auth.login("shifang-clerk")
    page = client.get("/transfers/batches")
    assert page.status_code == 200
    assert "批量转移接续" in page.get_data(as_text=True)
    as_csv = client.get("/transfers/batches/template.csv")
    assert as_csv.status_code == 200
    assert as_csv.data.startswith("\ufeff".encode())  # Excel reads the Chinese as Chinese
    header = next(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert header == list(ZH_HEADERS)
    as_xlsx = client.get("/transfers/batches/template.xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    assert [c.value for c in sheet[1]] == list(ZH_HEADERS)
    assert sheet["B2"].value == "11010519491231002X"  # an example row, the ID kept as text
    assert sheet["B2"].number_format == "@"


def test_a_200_row_batch_with_3_bad_rows_reports_exactly_those_and_files_the_197(client, auth, api):
    rows = sheet_rows(200)
    rows[11][1] = rows[11][1][:-1] + ("0" if rows[11][1][-1] != "0" else "1")  # check character
    rows[51][9] = "2015-13"  # no such month
    rows[151][1] = rows[101][1]  # the same person as in row 102 of the sheet
    auth.login("shifang-clerk")
    batch = batch_id_of(upload(client, xlsx(rows)))
    page = client.get(f"/transfers/batches/{batch}").get_data(as_text=True)
    assert 'data-rows="200" data-refused="3" data-filed="0" data-pending="197"' in page
    refused = refused_rows(page)
    assert sorted(refused) == [12, 52, 152]
    assert "校验位不符" in refused[12][0]
    assert "YYYY-MM" in refused[52][0]
    assert "第 102 行" in refused[152][0]
    # nothing is filed before the clerk says so
    assert api("jinniu-clerk").get("/cases?kind=transfer").get_json()["items"] == []

    report = client.get(f"/transfers/batches/{batch}/report.csv")
    lines = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "列", "错误说明", "姓名"]
    assert [(line[0], line[1]) for line in lines[1:]] == [
        ("12", "公民身份号码"),
        ("52", "参保期间1 起始年月（YYYY-MM）"),
        ("152", "公民身份号码"),
    ]
    as_xlsx = load_workbook(io.BytesIO(client.get(f"/transfers/batches/{batch}/report.xlsx").data))
    assert as_xlsx.active.max_row == 4

    # the page's bar files a slice per call …
    first = client.post(
        f"/transfers/batches/{batch}/file", headers={"Accept": "application/json"}
    ).get_json()
    assert first == {"rows": 200, "filed": 50, "refused": 3, "pending": 147, "handled": 50}
    # … and the form without scripts files the rest in one go
    done = client.post(f"/transfers/batches/{batch}/file")
    assert done.status_code == 302
    again = client.post(
        f"/transfers/batches/{batch}/file", headers={"Accept": "application/json"}
    ).get_json()
    assert again == {"rows": 200, "filed": 197, "refused": 3, "pending": 0, "handled": 0}

    listed = all_cases(api("jinniu-clerk"))
    assert len(listed) == 197
    assert {c["receiving_office"] for c in listed} == {"jinniu"}
    assert {c["business_status"] for c in listed} == {"checking"}
    by_id = [c["number"] for c in sorted(listed, key=lambda c: c["id"])]
    assert by_id == sorted(by_id)  # ids drawn ahead of time follow the filing order too
    page = client.get(f"/transfers/batches/{batch}").get_data(as_text=True)
    assert len(re.findall(r'<a href="/cases/\d+">', page)) == 197
    # every person once: the same sheet uploaded again refuses every row as open already
    second = batch_id_of(upload(client, xlsx(rows)))
    page = client.get(f"/transfers/batches/{second}").get_data(as_text=True)
    assert 'data-refused="200"' in page
    assert "该参保人已有未办结的关系转移" in page


def test_a_csv_saved_by_chinese_excel_is_read_and_words_or_codes_both_do(client, auth, api):
    rows = sheet_rows(2)
    rows[2][3], rows[2][4], rows[2][6] = "employee", "employee", "employment"
    rows[1][5] = rows[1][5].replace("-", "/")
    text = "\r\n".join(",".join(r) for r in rows)
    auth.login("shifang-clerk")
    batch = batch_id_of(upload(client, text.encode("gb18030"), "staff.csv"))
    client.post(f"/transfers/batches/{batch}/file")
    cases = api("shifang-clerk").get("/cases?kind=transfer").get_json()["items"]
    assert len(cases) == 2


def test_a_file_that_is_no_sheet_and_offices_that_make_no_transfer_are_refused_whole(client, auth):
    auth.login("shifang-clerk")
    for content, name, expected in (
        (b"%PDF-1.4", "staff.pdf", "请上传 .xlsx 或 .csv 格式的模板。"),
        (b"not a zip", "staff.xlsx", "不是 Excel 工作簿"),
        ("姓名,电话\r\n张三,1\r\n".encode(), "staff.csv", "缺少：公民身份号码"),
        (b"", "staff.csv", "文件为空"),
    ):
        response = upload(client, content, name)
        assert response.status_code == 422, name
        assert expected in unescape(response.get_data(as_text=True)), name
    others = upload(client, xlsx(sheet_rows(1)), out="jinniu", into="pengzhou")
    assert others.status_code == 422
    assert "须有一个是本单位" in unescape(others.get_data(as_text=True))
    auth.logout()
    auth.login("jinniu-clerk")
    same_pool = upload(client, xlsx(sheet_rows(1)), out="jinniu", into="pengzhou")
    assert same_pool.status_code == 422
    assert "不需要办理关系转移接续" in unescape(same_pool.get_data(as_text=True))


def test_a_batch_is_its_office_s_own(client, auth):
    auth.login("shifang-clerk")
    batch = batch_id_of(upload(client, xlsx(sheet_rows(1))))
    auth.logout()
    for user in ("jinniu-clerk", "sichuan-supervisor"):
        auth.login(user)
        for url in (f"/transfers/batches/{batch}", f"/transfers/batches/{batch}/report.csv"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/transfers/batches/{batch}/file").status_code == 404
        auth.logout()


def test_a_row_refused_when_filed_keeps_the_others(client, auth, api):
    auth.login("shifang-clerk")
    batch = batch_id_of(upload(client, xlsx(sheet_rows(3))))
    # meanwhile a colleague files the second person's transfer by hand
    body = {
        "kind": "transfer",
        "transfer_out_office": "jinniu",
        "transfer_in_office": "shifang",
        "person": {"name": "员工1", "id_number": person_id(1), "phone": ""},
        "scheme_out": "employee",
        "scheme_in": "employee",
        "suspended_on": (local_today() - timedelta(days=3)).isoformat(),
        "reason": "employment",
    }
    assert api("shifang-clerk").post("/cases", json=body).status_code == 201
    client.post(f"/transfers/batches/{batch}/file")
    page = client.get(f"/transfers/batches/{batch}").get_data(as_text=True)
    assert 'data-rows="3" data-refused="1" data-filed="2" data-pending="0"' in page
    assert sorted(refused_rows(page)) == [3]


def test_two_calls_at_once_file_every_row_exactly_once(app, client, auth, api):
    from concurrent.futures import ThreadPoolExecutor

    auth.login("shifang-clerk")
    batch = batch_id_of(upload(client, xlsx(sheet_rows(120))))

    def keep_filing(_n: int) -> int:
        own = app.test_client()
        own.post("/login", data={"username": "shifang-clerk", "password": PASSWORD})
        handled = 0
        while True:
            state = own.post(
                f"/transfers/batches/{batch}/file", headers={"Accept": "application/json"}
            ).get_json()
            handled += state["handled"]
            if not state["handled"]:
                return handled

    with ThreadPoolExecutor(2) as pool:
        handled = list(pool.map(keep_filing, range(2)))
    assert sum(handled) == 120
    people = [c["title"] for c in all_cases(api("shifang-clerk"))]
    assert len(people) == len(set(people)) == 120
    page = client.get(f"/transfers/batches/{batch}").get_data(as_text=True)
    assert 'data-rows="120" data-refused="0" data-filed="120" data-pending="0"' in page


def test_the_embedded_database_files_a_batch_with_numbers_in_a_row(tmp_path):
    """SQLite (the embedded default): no sequences to draw ids from, the counter counted in
    the filing's transaction — every row filed once, the numbers without a gap."""
    from config import Settings
    from service import create_app
    from service.cli import initialise

    settings = Settings(env="test", instance_path=tmp_path / "instance")
    initialise(settings, demo=True, echo=lambda *_: None)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"username": "shifang-clerk", "password": PASSWORD})
    batch = batch_id_of(upload(client, xlsx(sheet_rows(60))))
    assert client.post(f"/transfers/batches/{batch}/file").status_code == 302
    page = client.get(f"/transfers/batches/{batch}").get_data(as_text=True)
    assert 'data-rows="60" data-refused="0" data-filed="60" data-pending="0"' in page
    numbers = sorted(int(n) for n in re.findall(r">SF-\d{4}-(\d{6})</a>", page))
    assert numbers == list(range(numbers[0], numbers[0] + 60))
