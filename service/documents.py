"""Printable documents as PDF: one layout for the kinds' letters and forms.

Pure layout: a :class:`Document` (already translated text) in, the PDF's bytes out. Chinese is set
in Debian's Noto Sans CJK (``fonts-noto-cjk``), found under /usr/share/fonts at run time (or at
``REFERRAL_CJK_FONT``), and embedded as a subset in every PDF. Each page carries the issuing
office, the date, the verification code where the document has one, and "第 N 页 共 M 页".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Preferred first: the collection Debian's fonts-noto-cjk ships, then single-face OTFs.
FONT_NAMES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "NotoSerifCJK-Regular.ttc",
)
PAGES_ALIAS = "{nb}"


class FontMissing(RuntimeError):
    """No CJK font to embed: the PDF cannot be made (install Debian's fonts-noto-cjk)."""


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # the face within a .ttc collection (the Simplified Chinese one); 0 otherwise


@dataclass(frozen=True)
class Table:
    headings: list[str]
    rows: list[list[str]]


@dataclass
class Document:
    title: str
    office_label: str  # "Issued by"
    office: str
    date_label: str  # "Date"
    date: str  # the document's date in Asia/Shanghai, as printed
    page_label: str  # with {page} and {pages}: "第 {page} 页 共 {pages} 页"
    facts: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None
    after: list[tuple[str, str]] = field(default_factory=list)  # facts below the table
    notes: list[str] = field(default_factory=list)
    code_label: str = ""
    code: str = ""  # the verification code, printed in the body and on every page's foot
    reference: str = ""  # the case number, on every page's foot
    labelled: str = "{label}: {value}"  # a label and its value on one line ("{label}：{value}")

    def line(self, label: str, value: str) -> str:
        return self.labelled.format(label=label, value=value)


def _candidates() -> list[Path]:
    configured = os.environ.get("REFERRAL_CJK_FONT")
    if configured:
        return [Path(configured)]
    found: list[Path] = []
    for name in FONT_NAMES:
        for folder in FONT_DIRS:
            if folder.is_dir():
                found.extend(sorted(folder.rglob(name)))
    return found


def _simplified_face(path: Path) -> int:
    """The index of the Simplified Chinese face in a collection (SC, else the first)."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for i, face in enumerate(collection.fonts):
            family = face["name"].getDebugName(1) or ""
            if family.endswith(" SC"):
                return i
    finally:
        collection.close()
    return 0


@lru_cache(maxsize=1)
def cjk_font() -> FontFile:
    """The CJK font every PDF embeds, located at run time; :class:`FontMissing` if absent."""
    for path in _candidates():
        if path.is_file():
            return FontFile(path, _simplified_face(path))
    where = os.environ.get("REFERRAL_CJK_FONT") or " or ".join(str(d) for d in FONT_DIRS)
    raise FontMissing(
        f"No Chinese font for PDFs in {where} (looked for {', '.join(FONT_NAMES)}): "
        "install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)."
    )


def render_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF with the CJK font embedded."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = cjk_font()

    class _Pdf(FPDF):
        def header(self) -> None:
            self.set_font("cjk", size=9)
            self.set_text_color(80)
            self.cell(0, 5, doc.line(doc.office_label, doc.office), new_x="LMARGIN", new_y="TOP")
            self.cell(
                0, 5, doc.line(doc.date_label, doc.date), align="R", new_x="LMARGIN", new_y="NEXT"
            )
            self.ln(3)
            self.set_text_color(0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("cjk", size=8)
            self.set_text_color(80)
            left = " · ".join(
                part
                for part in (doc.reference, doc.line(doc.code_label, doc.code) if doc.code else "")
                if part
            )
            self.cell(0, 5, left, new_x="LMARGIN", new_y="TOP")
            self.cell(
                0,
                5,
                doc.page_label.format(page=self.page_no(), pages=PAGES_ALIAS),
                align="R",
            )

    pdf = _Pdf(format="A4", unit="mm")
    pdf.set_title(doc.title)
    pdf.set_author(doc.office)
    pdf.set_creator("referral")
    pdf.alias_nb_pages(PAGES_ALIAS)
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.index)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def facts(rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        pdf.set_font("cjk", size=10)
        with pdf.table(
            col_widths=(35, 65), first_row_as_headings=False, line_height=7, text_align="LEFT"
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=FontFace(fill_color=(240, 240, 240)))
                row.cell(value)
        pdf.ln(3)

    facts(doc.facts)
    if doc.table is not None:
        pdf.set_font("cjk", size=9.5)
        with pdf.table(
            line_height=6,
            text_align="CENTER",
            headings_style=FontFace(fill_color=(225, 225, 225)),
            repeat_headings=1,
        ) as table:
            table.row(doc.table.headings)
            for cells in doc.table.rows:
                table.row([str(c) for c in cells])
        pdf.ln(3)
    facts(doc.after)
    pdf.set_font("cjk", size=10)
    for note in doc.notes:
        pdf.multi_cell(0, 6, note, new_x="LMARGIN", new_y="NEXT")
    if doc.code:
        pdf.ln(2)
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(0, 6, doc.line(doc.code_label, doc.code), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(data: bytes, name: str, *, fallback_stem: str):
    """The PDF as a download (``Content-Disposition: attachment``, the Chinese name with an
    ASCII fallback), never cached: it carries a person's full ID number."""
    from flask import Response

    from service.attachments.rules import content_disposition

    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name, fallback_stem=fallback_stem)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
