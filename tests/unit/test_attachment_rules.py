"""Evidence files are recognised by their content, never by their name; names are only shown."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.attachments import rules
from service.errors import Conflict, ContentTooLarge, Forbidden, ValidationFailed

# --- files of every kind, as real as a test needs them -------------------------------------------


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ofd() -> bytes:
    return package({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


def docx() -> bytes:
    return package(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def xlsx() -> bytes:
    return package(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
        }
    )


SAMPLES = {"pdf": pdf, "ofd": ofd, "jpeg": jpeg, "png": png, "docx": docx, "xlsx": xlsx}


def detect(data: bytes) -> str | None:
    found = rules.detect_type(io.BytesIO(data))
    return found.code if found else None


# --- recognised by content -------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_every_allowed_type_is_recognised_by_its_content(code):
    assert detect(SAMPLES[code]()) == code
    assert rules.TYPES[code].content_type


@pytest.mark.parametrize("code", sorted(SAMPLES))
@pytest.mark.parametrize("name", ["x.txt", "证据", "photo.exe", "scan.pdf"])
def test_the_name_does_not_decide_the_type(code, name):
    checked = rules.check_type(
        name=name,
        file_type=rules.detect_type(io.BytesIO(SAMPLES[code]())),
        allowed=tuple(SAMPLES),
    )
    assert checked.code == code


@pytest.mark.parametrize(
    ("what", "data"),
    [
        (
            "windows executable",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
        ),
        ("elf executable", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        ("html page", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("svg image", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("text", "身份证明".encode()),
        ("pdf marker not at the start", b"<html>%PDF-1.7</html>"),
        ("gif image", b"GIF89a\x01\x00\x01\x00"),
        ("empty", b""),
    ],
)
def test_anything_else_is_refused_whatever_it_is_called(what, data):
    assert detect(data) is None, what
    with pytest.raises(ValidationFailed) as raised:
        rules.check_type(
            name="证据.pdf", file_type=rules.detect_type(io.BytesIO(data)), allowed=("pdf",)
        )
    assert raised.value.errors[0].field == "file"
    assert raised.value.errors[0].params["name"] == "证据.pdf"


@pytest.mark.parametrize(
    ("what", "members"),
    [
        ("plain zip", {"readme.txt": b"hello", "data/table.csv": b"a,b"}),
        ("OFD.xml in a folder, not at the root", {"doc/OFD.xml": b"<ofd/>"}),
        ("word part without a content-types part", {"word/document.xml": b"<w:document/>"}),
        (
            "macro-enabled word document (.docm renamed)",
            {
                "[Content_Types].xml": CONTENT_TYPES,
                "word/document.xml": b"<w:document/>",
                "word/vbaProject.bin": b"\xd0\xcf\x11\xe0",
            },
        ),
        (
            "macro-enabled workbook (.xlsm renamed)",
            {
                "[Content_Types].xml": CONTENT_TYPES,
                "xl/workbook.xml": b"<workbook/>",
                "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0",
            },
        ),
        (
            "package of nothing we know",
            {"[Content_Types].xml": CONTENT_TYPES, "ppt/x.xml": b"<p/>"},
        ),
    ],
)
def test_a_zip_without_the_marker_of_an_allowed_type_is_refused(what, members):
    assert detect(package(members)) is None, what


def test_an_unreadable_zip_is_refused():
    assert detect(b"PK\x03\x04" + b"\x00" * 200) is None
    assert detect(docx()[:-30]) is None  # cut off: no central directory


def test_a_zip_that_unpacks_to_far_more_than_it_stores_is_refused():
    bomb = package(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": b"<w:document/>",
            "word/media/padding.bin": b"\x00" * (24 << 20),
        }
    )
    assert len(bomb) < 100_000
    assert detect(bomb) is None


def test_a_zip_of_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(rules, "MAX_ZIP_MEMBERS", 5)
    members = {"OFD.xml": b"<ofd/>", **{f"Doc_0/Res/{i}.xml": b"<r/>" for i in range(5)}}
    assert detect(package(members)) is None


def test_a_zip_with_encrypted_members_is_refused():
    data = bytearray(ofd())
    # zipfile writes no encrypted members: set the flag in the central directory by hand.
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    assert detect(bytes(data)) is None


def test_only_the_configured_types_are_allowed():
    with pytest.raises(ValidationFailed) as raised:
        rules.check_type(name="a.png", file_type=rules.TYPES["png"], allowed=("pdf", "ofd"))
    assert raised.value.errors[0].params["types"] == "PDF, OFD"


# --- sizes ------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_too_large_and_an_empty_one_is_refused():
    rules.check_size(name="a.pdf", size=20 << 20, max_bytes=20 << 20)
    with pytest.raises(ContentTooLarge) as raised:
        rules.check_size(name="a.pdf", size=(20 << 20) + 1, max_bytes=20 << 20)
    assert raised.value.status == 413
    assert raised.value.errors[0].field == "file"
    assert raised.value.errors[0].params == {"name": "a.pdf", "max": "20 MB"}
    with pytest.raises(ValidationFailed):
        rules.check_size(name="a.pdf", size=0, max_bytes=20 << 20)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (20 << 20, "20 MB"),
        (3 << 30, "3 GB"),
    ],
)
def test_sizes_read_as_a_file_manager_shows_them(size, shown):
    assert rules.human_size(size) == shown


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\Desktop\\身份证明.pdf", "身份证明.pdf"),
        ("/tmp/../../x.png", "x.png"),
        ("扫描件\u202efdp.exe", "扫描件fdp.exe"),  # a right-to-left override would hide ".exe"
        ("a\x00b\x1f\x7f.pdf", "ab.pdf"),
        ("  两份   材料 .docx  ", "两份 材料 .docx"),
        ("report.pdf...", "report.pdf"),
        ("合同\n第二页.pdf", "合同 第二页.pdf"),
    ],
)
def test_display_names_lose_folders_and_invisible_characters(raw, shown):
    assert rules.display_name(raw, fallback="attachment") == shown


@pytest.mark.parametrize("raw", ["", None, "..", ".", "../", "\x00\x01", "   ", "dir/"])
def test_a_name_that_is_nothing_gets_the_fallback(raw):
    assert rules.display_name(raw, fallback="attachment") == "attachment"


def test_long_names_are_cut_but_keep_their_extension():
    shown = rules.display_name("证" * 300 + ".pdf", fallback="x")
    assert len(shown) == 200 and shown.endswith("证.pdf")
    assert len(rules.display_name("x" * 300, fallback="y")) == 200


@given(st.text(max_size=400))
def test_a_display_name_is_never_a_path_and_never_invisible(raw):
    shown = rules.display_name(raw, fallback="attachment")
    assert shown and len(shown) <= 200
    assert "/" not in shown and "\\" not in shown
    assert shown not in {".", ".."}
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in shown)


def test_a_download_gets_the_extension_of_what_the_file_is():
    assert rules.download_name("scan.txt", rules.TYPES["pdf"]) == "scan.txt.pdf"
    assert rules.download_name("照片.JPG", rules.TYPES["jpeg"]) == "照片.JPG"
    assert rules.download_name("材料", rules.TYPES["ofd"]) == "材料.ofd"
    assert rules.download_name("表.xlsx", rules.TYPES["xlsx"]) == "表.xlsx"


def test_content_disposition_carries_the_chinese_name_and_an_ascii_fallback():
    header = rules.content_disposition("身份证明 (1).pdf", fallback_stem="attachment-7")
    assert header.startswith("attachment; ")
    assert 'filename="_1.pdf"' in header or 'filename="1.pdf"' in header
    assert "filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%E6%98%8E%20%281%29.pdf" in header

    chinese_only = rules.content_disposition("身份证明.pdf", fallback_stem="attachment-7")
    assert 'filename="attachment-7.pdf"' in chinese_only

    quoted = rules.content_disposition('a"b\\c;d.pdf', fallback_stem="attachment-7")
    fallback = quoted.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "a_b_c_d.pdf"
    assert "%22" in quoted and "%5C" in quoted


# --- who may add files ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "investigator", "supervisor"])
@pytest.mark.parametrize(
    "status", ["requested", "received", "returned", "accepted", "in_progress", "on_hold"]
)
def test_staff_of_a_party_office_add_files_while_the_case_is_open(role, status):
    rules.check_upload(role=role, is_party=True, status=status)
    assert rules.may_upload(role=role, is_party=True, status=status)


@pytest.mark.parametrize("role", ["regional_supervisor", "admin"])
def test_bureaus_and_administrators_add_no_files(role):
    with pytest.raises(Forbidden):
        rules.check_upload(role=role, is_party=True, status="requested")
    assert not rules.may_upload(role=role, is_party=True, status="requested")


def test_an_office_not_party_to_the_case_adds_no_files():
    with pytest.raises(Forbidden):
        rules.check_upload(role="clerk", is_party=False, status="requested")


@pytest.mark.parametrize("status", ["rejected", "completed", "cancelled"])
def test_a_closed_case_takes_no_more_files(status):
    with pytest.raises(Conflict) as raised:
        rules.check_upload(role="clerk", is_party=True, status=status)
    assert raised.value.params == {"status": status}
    assert not rules.may_upload(role="clerk", is_party=True, status=status)


def test_files_are_kept_in_the_instance_folder_unless_a_folder_is_configured(tmp_path):
    from config import Settings

    default = Settings(_env_file=None, instance_path=tmp_path)
    assert default.attachment_folder == tmp_path / "attachments"
    assert default.attachment_max_bytes == 20 * 1024 * 1024
    assert default.allowed_attachment_types == ("pdf", "ofd", "jpeg", "png", "docx", "xlsx")
    chosen = Settings(_env_file=None, instance_path=tmp_path, attachment_path="/srv/files")
    assert chosen.attachment_folder == Path("/srv/files")


def test_the_allowed_types_are_a_list_of_known_ones():
    from pydantic import ValidationError

    from config import Settings

    assert Settings(_env_file=None, attachment_types=" PDF, ofd").allowed_attachment_types == (
        "pdf",
        "ofd",
    )
    for wrong in ("pdf,exe", "", " , "):
        with pytest.raises(ValidationError, match="REFERRAL_ATTACHMENT_TYPES"):
            Settings(_env_file=None, attachment_types=wrong)
