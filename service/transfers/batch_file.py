"""The batch transfer's spreadsheet: one person per row, the columns a clerk fills in (headers in
Chinese or English, either is read back), as CSV or XLSX. Reading a file turns each row into the
transfer's create data; what is wrong with a row is found by the same checks as the form."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from service.errors import N_

MAX_ROWS = 2000
MAX_BYTES = 4 * 1024 * 1024
PERIOD_GROUPS = 3  # insured periods per person in the sheet (the form has 4; most have 1–2)


@dataclass(frozen=True)
class Column:
    key: str  # the cell's place in the create data
    label: str  # msgid, the header
    example: str
    period: int | None = None  # 0-based period group
    period_label: str = ""  # msgid of the part within the group


PERSON_COLUMNS = (
    Column("person.name", N_("Name"), "张三"),
    Column("person.id_number", N_("Citizen ID number"), "11010519491231002X"),
    Column("person.phone", N_("Contact phone"), "13800000000"),
    Column("scheme_out", N_("Scheme at the transfer-out place"), "职工"),
    Column("scheme_in", N_("Scheme at the transfer-in place"), "职工"),
    Column("suspended_on", N_("Enrolment suspended on"), "2026-03-31"),
    Column("reason", N_("Reason for the transfer"), "就业"),
    Column("account_balance", N_("Personal account balance (yuan)"), "1234.50"),
)
PERIOD_PARTS = (
    ("pool_code", N_("pool code"), "510100"),
    ("start", N_("from (YYYY-MM)"), "2015-01"),
    ("end", N_("to (YYYY-MM)"), "2026-03"),
    ("actual_years", N_("actual years"), "11"),
    ("deemed_years", N_("deemed years"), "0"),
)
COLUMNS = PERSON_COLUMNS + tuple(
    Column(f"periods[{n}].{part}", N_("Period %(n)s"), example if n == 0 else "", n, label)
    for n in range(PERIOD_GROUPS)
    for part, label, example in PERIOD_PARTS
)
BY_KEY = {c.key: c for c in COLUMNS}

# What a clerk writes in a cell, in either language, → the API's value.
SCHEME_WORDS = {
    "employee": "employee",
    "职工": "employee",
    "职工医保": "employee",
    "职工基本医疗保险": "employee",
    "employee basic medical insurance": "employee",
    "resident": "resident",
    "居民": "resident",
    "居民医保": "resident",
    "城乡居民基本医疗保险": "resident",
    "居民基本医疗保险": "resident",
    "resident basic medical insurance": "resident",
}
REASON_WORDS = {
    "employment": "employment",
    "就业": "employment",
    "就业变动": "employment",
    "工作调动": "employment",
    "change of employment": "employment",
    "household": "household",
    "户籍": "household",
    "户籍变动": "household",
    "change of household registration": "household",
    "residence": "residence",
    "常住地": "residence",
    "常住地变动": "residence",
    "change of habitual residence": "residence",
}


class BatchFileError(Exception):
    """The file as a whole cannot be read (not the rows in it): ``message`` is an msgid."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def header(column: Column) -> str:
    """The column's header in the current language."""
    if column.period is None:
        return _(column.label)
    return f"{_(column.label, n=column.period + 1)} {_(column.period_label)}"


def _headers_by_text() -> dict[str, str]:
    """Every header as either language writes it (and the API key) → the column key."""
    known: dict[str, str] = {}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            for column in COLUMNS:
                known[_normal(header(column))] = column.key
    for column in COLUMNS:
        known[_normal(column.key)] = column.key
    return known


def _normal(text: str) -> str:
    return "".join(text.split()).casefold().replace("（", "(").replace("）", ")")


# ---------------------------------------------------------------------------- the template


def template_rows() -> list[list[str]]:
    return [[header(c) for c in COLUMNS], [c.example for c in COLUMNS]]


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text as Chinese."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[str]], *, sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n in range(1, len(rows[0]) + 1):
        ws.column_dimensions[ws.cell(1, n).column_letter].width = 18
    # identifiers and dates are text: Excel must not turn 11010519491231002X into a number
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- reading


@dataclass
class SheetRow:
    number: int  # the row's line in the sheet (the header is row 1)
    cells: dict[str, str]  # column key → text as typed


def read(filename: str, content: bytes) -> list[SheetRow]:
    """The filled-in rows of an uploaded sheet (blank rows skipped)."""
    if not content:
        raise BatchFileError(N_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise BatchFileError(N_("The file is larger than %(max)s MB."), max=MAX_BYTES // 2**20)
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(content)
    elif name.endswith(".csv"):
        table = _csv_table(content)
    else:
        raise BatchFileError(N_("Upload the template as .xlsx or .csv."))
    if not table:
        raise BatchFileError(N_("The file is empty."))
    known = _headers_by_text()
    keys = [known.get(_normal(str(cell or ""))) for cell in table[0]]
    missing = [c for c in ("person.name", "person.id_number") if c not in keys]
    if missing:
        with_headers = "、".join(header(BY_KEY[c]) for c in missing)
        raise BatchFileError(
            N_("The first row must be the template's headers; missing: %(columns)s."),
            columns=with_headers,
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {
            key: _text(value)
            for key, value in zip(keys, values, strict=False)
            if key is not None and _text(value)
        }
        if not cells:
            continue
        rows.append(SheetRow(number, cells))
    if not rows:
        raise BatchFileError(N_("The file has no rows below the headers."))
    if len(rows) > MAX_ROWS:
        raise BatchFileError(N_("At most %(max)s rows per file."), max=MAX_ROWS)
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_table(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GB18030
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence but a few
        raise BatchFileError(N_("The file is not text in UTF-8 or GB18030."))
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise BatchFileError(N_("The file is not a CSV table.")) from None


def _xlsx_table(content: bytes) -> list[list]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise BatchFileError(N_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _filled_groups(row: SheetRow) -> list[int]:
    return [
        n
        for n in range(PERIOD_GROUPS)
        if any(f"periods[{n}].{part}" in row.cells for part, _l, _e in PERIOD_PARTS)
    ]


def create_data(row: SheetRow, *, transfer_out_office: str, transfer_in_office: str) -> dict:
    """The transfer's create data (the API body) from a row; the batch's two offices."""
    cells = row.cells
    periods = []
    for n in _filled_groups(row):
        parts = {part: cells.get(f"periods[{n}].{part}", "") for part, _l, _e in PERIOD_PARTS}
        parts["actual_years"] = parts["actual_years"] or "0"
        parts["deemed_years"] = parts["deemed_years"] or "0"
        periods.append(parts)
    return {
        "kind": "transfer",
        "transfer_out_office": transfer_out_office,
        "transfer_in_office": transfer_in_office,
        "person": {
            "name": cells.get("person.name", ""),
            "id_number": cells.get("person.id_number", ""),
            "phone": cells.get("person.phone", ""),
        },
        "scheme_out": _word(SCHEME_WORDS, cells.get("scheme_out", "")),
        "scheme_in": _word(SCHEME_WORDS, cells.get("scheme_in", "")),
        "suspended_on": _date_text(cells.get("suspended_on", "")),
        "reason": _word(REASON_WORDS, cells.get("reason", "")),
        "periods": periods,
        "account_balance": cells.get("account_balance", "") or "0.00",
    }


def _word(words: dict[str, str], text: str) -> str:
    normal = {_normal(k): v for k, v in words.items()}
    return normal.get(_normal(text), text)


def _date_text(text: str) -> str:
    """2026-03-31, 2026/3/31 and 2026.3.31 all mean the same day."""
    for sep in ("/", "."):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return "-".join((parts[0], parts[1].zfill(2), parts[2].zfill(2)))
    return text


def column_for(row: SheetRow, field: str) -> str:
    """The sheet column a create-data field is in ("" when none is: the row as a whole).
    Periods are counted among the groups filled in: ``periods[1]`` is the second filled."""
    if field.startswith("periods["):
        index, _sep, part = field.removeprefix("periods[").partition("].")
        groups = _filled_groups(row)
        if not index.isdigit() or int(index) >= len(groups):
            return ""
        field = f"periods[{groups[int(index)]}].{part}"
    return field if field in BY_KEY else ""
