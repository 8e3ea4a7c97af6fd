"""The shared PDF layout (service.documents): the CJK font located at run time and embedded,
"第 N 页 共 M 页" on every page of a long document, the verification code on each page's foot,
and a clear error when no Chinese font is installed."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from service import documents
from service.documents import Document, FontMissing, Table, cjk_font, render_pdf


def text_of(pdf: bytes) -> list[str]:
    # pypdf reads a NUL between the two bytes of each CID code; whitespace is layout
    return [
        "".join(c for c in page.extract_text() if c != "\x00" and not c.isspace())
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def document(rows: int) -> Document:
    return Document(
        title="参保人员基本医疗保险信息表",
        office_label="出具单位",
        office="成都市金牛区医疗保障局",
        date_label="出具日期",
        date="2026-12-02",
        page_label="第 {page} 页 共 {pages} 页",
        facts=[("姓名", "张三"), ("公民身份号码", "510106199001011233")],
        table=Table(
            ["统筹区编码", "起始年月"], [["510100", f"2015-{i % 12 + 1:02d}"] for i in range(rows)]
        ),
        code_label="校验码",
        code="0f" * 32,
        reference="SF-2026-000001",
    )


def test_a_long_document_numbers_every_page_and_repeats_office_date_and_code():
    pages = text_of(render_pdf(document(rows=120)))
    assert len(pages) >= 3
    for n, text in enumerate(pages, start=1):
        assert f"第{n}页共{len(pages)}页" in text
        assert "出具单位:成都市金牛区医疗保障局" in text and "出具日期:2026-12-02" in text
        assert "校验码:" + "0f" * 32 in text
        if "510100" in text:  # the table's headings repeat on each page it runs over
            assert "统筹区编码起始年月" in text
    assert sum(text.count("510100") for text in pages) == 120
    assert "姓名张三" in pages[0] and "公民身份号码510106199001011233" in pages[0]


def test_the_noto_cjk_subset_is_embedded():
    pdf = render_pdf(document(rows=1))
    font = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    (composite,) = [f.get_object() for f in font.values()]
    cid_font = composite["/DescendantFonts"][0].get_object()
    assert "NotoSansCJK" in cid_font["/BaseFont"]
    assert "/FontFile3" in cid_font["/FontDescriptor"].get_object()  # the CFF program itself
    assert len(pdf) < 100_000  # a subset, not the 20 MB collection


def test_the_simplified_chinese_face_of_the_collection_is_chosen():
    from fontTools.ttLib import TTCollection

    found = cjk_font()
    assert found.path.is_file()
    if found.path.suffix == ".ttc":
        face = TTCollection(str(found.path), lazy=True).fonts[found.index]
        assert face["name"].getDebugName(1).endswith(" SC")


def test_no_chinese_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("REFERRAL_CJK_FONT", str(tmp_path / "missing.ttc"))
    documents.cjk_font.cache_clear()
    try:
        with pytest.raises(FontMissing, match="fonts-noto-cjk"):
            render_pdf(document(rows=1))
    finally:
        monkeypatch.delenv("REFERRAL_CJK_FONT")
        documents.cjk_font.cache_clear()
