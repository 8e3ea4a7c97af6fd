"""The batch transfer's sheet: what a clerk types in it, in either language, becomes the API's
create data; errors point at the column the clerk filled in."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from openpyxl import Workbook, load_workbook

from service.transfers import batch_file
from service.transfers.batch_file import BatchFileError, SheetRow


@pytest.fixture(autouse=True)
def babel_context():
    app = Flask("service")  # the package's translations folder
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    Babel(app)
    with app.test_request_context():
        yield


def sheet(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_has_chinese_headers_an_example_row_and_reads_back():
    rows = batch_file.template_rows()
    assert rows[0][:3] == ["姓名", "公民身份号码", "联系电话"]
    assert "参保期间3 视同缴费年限" in rows[0]
    read = batch_file.read("template.xlsx", batch_file.to_xlsx(rows, sheet="转移接续"))
    assert len(read) == 1
    data = batch_file.create_data(read[0], transfer_out_office="jinniu", transfer_in_office="x")
    assert data["person"]["id_number"] == "11010519491231002X"
    assert data["scheme_out"] == "employee" and data["reason"] == "employment"
    assert data["periods"] == [
        {
            "pool_code": "510100",
            "start": "2015-01",
            "end": "2026-03",
            "actual_years": "11",
            "deemed_years": "0",
        }
    ]


def test_english_headers_words_and_excel_dates_are_read_too():
    with force_locale("en"):
        headers = [batch_file.header(c) for c in batch_file.COLUMNS]
    assert headers[0] == "Name"
    row = ["王五", "510106199001011233", "", "Resident basic medical insurance", "居民医保"]
    row += [datetime(2026, 3, 1), "Change of habitual residence", ""]
    (read,) = batch_file.read("staff.xlsx", sheet([headers, row]))
    data = batch_file.create_data(read, transfer_out_office="a", transfer_in_office="b")
    assert (data["scheme_out"], data["scheme_in"]) == ("resident", "resident")
    assert data["suspended_on"] == "2026-03-01"
    assert data["reason"] == "residence"
    assert data["account_balance"] == "0.00"
    assert data["periods"] == []


def test_a_csv_with_a_byte_order_mark_or_in_gb18030_and_slashed_dates():
    text = "姓名,公民身份号码,中止参保日期\r\n张三,510106199001011233,2026/3/1\r\n,,\r\n"
    for content in (("\ufeff" + text).encode("utf-8"), text.encode("gb18030")):
        (row,) = batch_file.read("staff.csv", content)  # the blank row is skipped
        assert row.number == 2
        data = batch_file.create_data(row, transfer_out_office="a", transfer_in_office="b")
        assert data["suspended_on"] == "2026-03-01"
        assert data["person"]["name"] == "张三"


def test_an_unknown_word_is_kept_as_typed_so_its_error_shows_it():
    row = SheetRow(2, {"scheme_out": "商业保险", "suspended_on": "3月1日"})
    data = batch_file.create_data(row, transfer_out_office="a", transfer_in_office="b")
    assert data["scheme_out"] == "商业保险"
    assert data["suspended_on"] == "3月1日"


def test_an_error_in_a_period_points_at_the_group_the_clerk_filled_in():
    row = SheetRow(5, {"periods[1].start": "2020-01", "periods[2].end": "2021-13"})
    data = batch_file.create_data(row, transfer_out_office="a", transfer_in_office="b")
    assert len(data["periods"]) == 2  # the first group is blank
    assert batch_file.column_for(row, "periods[0].start") == "periods[1].start"
    assert batch_file.column_for(row, "periods[1].end") == "periods[2].end"
    assert batch_file.column_for(row, "periods[7].end") == ""
    assert batch_file.column_for(row, "person.id_number") == "person.id_number"
    assert batch_file.column_for(row, "transfer_in_office") == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("staff.csv", b"", "The file is empty."),
        ("staff.pdf", b"%PDF", "Upload the template as .xlsx or .csv."),
        ("staff.xlsx", b"PK\x03\x04 broken", "The file is not an Excel workbook (.xlsx)."),
        ("staff.csv", "姓名,公民身份号码\r\n".encode(), "The file has no rows below the headers."),
        ("staff.csv", "姓名,电话\r\n张三,1\r\n".encode(), "missing"),
        ("staff.csv", b"a" * (batch_file.MAX_BYTES + 1), "larger than"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(name, content, message):
    with pytest.raises(BatchFileError) as refused:
        batch_file.read(name, content)
    assert message in refused.value.message


def test_at_most_max_rows_people_per_file():
    lines = ["姓名,公民身份号码"] + [f"员工{n},{n}" for n in range(batch_file.MAX_ROWS + 1)]
    with pytest.raises(BatchFileError) as refused:
        batch_file.read("staff.csv", "\r\n".join(lines).encode())
    assert refused.value.params == {"max": batch_file.MAX_ROWS}


def test_the_xlsx_keeps_identifiers_and_dates_as_text():
    book = load_workbook(io.BytesIO(batch_file.to_xlsx(batch_file.template_rows(), sheet="x")))
    cell = book.active["B2"]
    assert cell.value == "11010519491231002X" and cell.number_format == "@"
    assert book.active["A1"].font.bold
    assert isinstance(date.fromisoformat(book.active["F2"].value), date)
