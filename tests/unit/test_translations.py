"""The UI catalogs: complete, placeholders intact, Chinese where a user would notice, compilable."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "service" / "translations"
POT = TRANSLATIONS / "messages.pot"
# Babel reads zh_CN as zh_Hans_CN, so the Chinese catalog lives under that name.
LOCALES = ("zh_Hans_CN", "en")

# %(name)s, %(name)d, … – the named placeholders a translation must keep.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _catalog(locale: str) -> Catalog:
    return _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)


def _template_ids() -> list[tuple[str, str | None]]:
    """Every (msgid, msgctxt) of the template: one msgid may be translated apart in a context."""
    return [(m.id, m.context) for m in _read(POT) if m.id]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module", params=LOCALES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return _catalog(request.param)


def test_the_template_has_messages() -> None:
    assert len(_template_ids()) > 100


def test_every_template_message_is_translated(catalog: Catalog) -> None:
    missing = [
        msgid
        for msgid, context in _template_ids()
        if not (catalog.get(msgid, context=context) and catalog.get(msgid, context=context).string)
    ]
    assert missing == [], f"{catalog.locale}: untranslated: {missing}"


def test_no_translation_is_fuzzy(catalog: Catalog) -> None:
    assert not catalog.fuzzy, f"{catalog.locale}: the header is marked fuzzy"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == [], f"{catalog.locale}: fuzzy entries are not compiled: {fuzzy}"


def test_placeholders_are_kept(catalog: Catalog) -> None:
    wrong = {
        m.id: m.string
        for m in catalog
        if m.id and m.string and _placeholders(m.string) != _placeholders(m.id)
    }
    assert wrong == {}, f"{catalog.locale}: placeholders differ: {wrong}"


def test_the_english_catalog_is_the_source_text() -> None:
    en = _catalog("en")
    differing = {m.id: m.string for m in en if m.id and m.string != m.id}
    assert differing == {}


@pytest.mark.parametrize(
    "msgid",
    [
        "Log in",
        "Log out",
        "Inbox",
        "Cases",
        "Home",
        "Accept",
        "Reject",
        "Return for completion",
        "Resubmit",
        "Cancel request",
        "Complete",
        "Acknowledge",
        "Timeline",
        "Read receipt",
        "Receiving office",
        "General cooperation request",
        "Cross-region referral service",
        "Wrong username or password.",
        "Request %(number)s was sent.",
        "The action “%(action)s” is not possible while the case is “%(status)s”.",
    ],
)
def test_key_strings_are_chinese_in_the_chinese_ui(msgid: str) -> None:
    message = _catalog("zh_Hans_CN").get(msgid)
    assert message is not None, f"{msgid!r} is missing from the zh_CN catalog"
    assert CJK.search(message.string), f"{msgid!r} shows up untranslated: {message.string!r}"


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Log in", "登录"),
        ("Log out", "退出登录"),
        ("Inbox", "收件箱"),
        ("Accept", "受理"),
        ("Reject", "不予受理"),
        ("Return for completion", "退回补正"),
        ("Timeline", "办理记录"),
        ("Read receipt", "已读回执"),
        ("Receiving office", "接收单位"),
        ("Filing office", "发起单位"),
        ("Owner office", "主办单位"),
        ("General cooperation request", "一般协办事项"),
    ],
)
def test_office_terminology(msgid: str, chinese: str) -> None:
    assert _catalog("zh_Hans_CN")[msgid].string == chinese


def test_every_chinese_translation_differs_from_english() -> None:
    # An English string in the Chinese UI: nothing in this catalog is left in the source language.
    same = [m.id for m in _catalog("zh_Hans_CN") if m.id and m.string == m.id]
    assert same == []


def test_catalogs_pass_babels_checks(catalog: Catalog) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == [], f"{catalog.locale}: {problems}"


def test_catalogs_compile(catalog: Catalog) -> None:
    buf = BytesIO()
    write_mo(buf, catalog)
    assert len(buf.getvalue()) > 0
