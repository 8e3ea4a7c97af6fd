"""Evidence files by their content: what a file really is (never what its name says), the name it
is shown under, and who may add files to a case.

Pure: takes bytes, streams and plain values; returns values or raises a domain error.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from service.cases.rules import FINAL
from service.errors import N_, Conflict, ContentTooLarge, FieldError, Forbidden, ValidationFailed

# The roles that work cases of their office add files; regional supervisors (bureaus) read and
# download them, administrators see no case content at all.
UPLOADER_ROLES = frozenset({"clerk", "investigator", "supervisor"})


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first is added to a download name that has none of them


TYPES: dict[str, FileType] = {
    t.code: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", ("pdf",)),
        # 版式文档 (GB/T 33190): the Chinese e-government fixed-layout format, a ZIP package
        FileType("ofd", "OFD", "application/ofd", ("ofd",)),
        FileType("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
        FileType("png", "PNG", "image/png", ("png",)),
        FileType(
            "docx",
            "DOCX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileType(
            "xlsx",
            "XLSX",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
    )
}

_PNG = b"\x89PNG\r\n\x1a\n"
_ZIP = b"PK\x03\x04"
# A package we only list, never unpack — but the receiving office will open it, so a ZIP that
# claims absurd contents is refused like any other file we cannot vouch for.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_UNPACKED = 1 << 30  # declared size of all members together
MAX_ZIP_RATIO = 100  # declared unpacked size per stored byte, checked above 16 MiB unpacked
_RATIO_FLOOR = 16 << 20


def detect_type(stream: BinaryIO) -> FileType | None:
    """The type of the file in ``stream`` (seekable, read from its start) by its content, or
    None when it is none of the known types."""
    stream.seek(0)
    head = stream.read(8)
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpeg"]
    if head.startswith(_PNG):
        return TYPES["png"]
    if head.startswith(_ZIP):
        return _package_type(stream)
    return None


def _package_type(stream: BinaryIO) -> FileType | None:
    stream.seek(0, 2)
    stored = stream.tell()
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, OSError):
        return None
    if not members or len(members) > MAX_ZIP_MEMBERS:
        return None
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_ZIP_UNPACKED or (
        unpacked > _RATIO_FLOOR and unpacked > MAX_ZIP_RATIO * max(stored, 1)
    ):
        return None
    if any(m.flag_bits & 0x1 for m in members):  # encrypted members: nobody could open them
        return None
    names = {m.filename for m in members}
    if "OFD.xml" in names:
        return TYPES["ofd"]
    if "[Content_Types].xml" not in names:
        return None
    # Office documents with macros (.docm/.xlsm renamed) are not accepted as evidence.
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return TYPES["docx"]
    if "xl/workbook.xml" in names:
        return TYPES["xlsx"]
    return None


_BREAKS = "\t\n\r\v\f"  # a line break in a name reads as a space, not as nothing
_SPACES = {"Zs", "Zl", "Zp"}


def display_name(raw: str | None, *, fallback: str, max_length: int = 200) -> str:
    """The uploader's file name as it is shown: no folders, no control or formatting characters
    (a right-to-left override would disguise ``exe.pdf``), at most ``max_length`` characters
    with the extension kept. Never used as a path."""
    text = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if c in _BREAKS or unicodedata.category(c) in _SPACES else c for c in text)
    text = "".join(c for c in text if unicodedata.category(c) not in {"Cc", "Cf", "Cs"})
    text = " ".join(text.split()).rstrip(". ")
    if not text.strip("."):
        return fallback
    if len(text) > max_length:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            text = stem[: max_length - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:max_length]
    return text


def download_name(name: str, file_type: FileType) -> str:
    """The name a download is saved under: the display name, with the extension of what the file
    really is added when its own does not say so (``scan.txt`` holding a PDF → ``scan.txt.pdf``),
    so it opens in the right program."""
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    return name if ext in file_type.extensions else f"{name}.{file_type.extensions[0]}"


# RFC 5987 attr-char: what may stand unescaped in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(name: str, *, fallback_stem: str) -> str:
    """``attachment`` with the name in UTF-8 (RFC 5987 ``filename*``) and an ASCII ``filename``
    for old clients: the name's ASCII letters, or ``fallback_stem`` when none are left."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ascii_stem = _ascii(stem) or fallback_stem
    ascii_ext = _ascii(ext)
    simple = f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("._")


def human_size(size: int) -> str:
    """20971520 → "20 MB" (binary units, as file managers show them)."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def may_upload(*, role: str, is_party: bool, status: str) -> bool:
    return role in UPLOADER_ROLES and is_party and status not in FINAL


def check_upload(*, role: str, is_party: bool, status: str) -> None:
    """Staff of an office party to the case add files while the case is open (a returned case
    too: that is how it is completed); bureaus only read them."""
    if role not in UPLOADER_ROLES or not is_party:
        raise Forbidden(N_("Only staff of an office party to the case may add files to it."))
    if status in FINAL:
        raise Conflict(
            N_("Files cannot be added to a case that is “%(status)s”."), status=str(status)
        )


def check_size(*, name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ContentTooLarge(
            errors=[
                FieldError(
                    "file",
                    N_("“%(name)s” is larger than %(max)s."),
                    {"name": name, "max": human_size(max_bytes)},
                )
            ]
        )
    if size == 0:
        raise ValidationFailed(
            errors=[FieldError("file", N_("“%(name)s” is empty."), {"name": name})]
        )


def check_type(*, name: str, file_type: FileType | None, allowed: tuple[str, ...]) -> FileType:
    if file_type is None or file_type.code not in allowed:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "file",
                    N_(
                        "“%(name)s” is not an allowed file type (%(types)s). The type is "
                        "recognised by the file's content, not by its name."
                    ),
                    {"name": name, "types": allowed_labels(allowed)},
                )
            ]
        )
    return file_type


def allowed_labels(allowed: tuple[str, ...]) -> str:
    return ", ".join(TYPES[code].label for code in allowed if code in TYPES)
