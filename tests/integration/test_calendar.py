"""The working-day calendar against real PostgreSQL: overrides win over chinesecalendar, a
notice is imported from CSV (by the command and the service), the admin page, the banner for a
year without an official schedule, and the audit trail of every change."""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import select

from config import get_settings
from service.cli import main
from tests.support import PASSWORD

pytestmark = pytest.mark.services

NOTICE = "国务院办公厅关于2027年部分节假日安排的通知"
NOTICE_2026 = "国办发明电〔2025〕7号"


def text(response) -> str:
    return response.get_data(as_text=True)


def d(value: str) -> date:
    return date.fromisoformat(value)


def _clear_overrides(settings) -> None:
    engine = sa.create_engine(settings.sqlalchemy_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM calendaroverride")
    engine.dispose()


@pytest.fixture
def db(app, pg_database):
    """A session of the test app; the shared database keeps no override after the test."""
    from service.db import get_session

    _clear_overrides(pg_database)
    with app.app_context():
        yield get_session()
    _clear_overrides(pg_database)


@pytest.fixture
def cli(pg_database, db):
    """Runs ``referral …`` in-process against the test database."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REFERRAL_")}
    env.update(
        REFERRAL_ENV="test",
        REFERRAL_DATABASE_URL=pg_database.database_url,
        REFERRAL_INSTANCE_PATH=str(pg_database.instance_path),
        REFERRAL_BROKER_URL=pg_database.broker_url,
        REFERRAL_REDIS_URL=pg_database.redis_url,
    )

    def run(*args: str):
        get_settings.cache_clear()
        try:
            return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    yield run
    get_settings.cache_clear()


def audit_entries(db, action: str) -> list:
    from service.audit.models import AuditEntry

    db.rollback()  # see what other sessions committed
    return list(
        db.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def user_id(db, username: str) -> int:
    from service.accounts.models import User

    return db.exec(select(User.id).where(User.username == username)).one()


# --- sources and precedence -----------------------------------------------------------------


def test_an_override_wins_over_chinesecalendar(db):
    from service.calendar import service

    assert service.due(db, d("2026-09-30"), 10).date == d("2026-10-20")
    # Suppose a notice made 10-08 a rest day and Saturday 10-03 a working day.
    service.set_override(db, day=d("2026-10-08"), is_workday=False, notice=NOTICE_2026)
    service.set_override(db, day=d("2026-10-03"), is_workday=True, notice=NOTICE_2026)

    lookup = service.lookup(db)
    assert not lookup(d("2026-10-08")).is_workday
    assert lookup(d("2026-10-03")).is_workday
    assert service.due(db, d("2026-09-30"), 1).date == d("2026-10-03")
    assert service.due(db, d("2026-10-07"), 1).date == d("2026-10-09")
    assert service.due(db, d("2026-09-20"), 15, calendar_days=True).date == d("2026-10-09")


def test_an_override_replaces_the_earlier_one_of_the_same_day(db):
    from service.calendar import service
    from service.calendar.models import CalendarOverride

    service.set_override(db, day=d("2026-10-08"), is_workday=False, notice="第一份通知")
    service.set_override(db, day=d("2026-10-08"), is_workday=True, notice="更正通知")
    rows = db.exec(select(CalendarOverride)).all()
    assert [(r.day, r.is_workday, r.notice) for r in rows] == [(d("2026-10-08"), True, "更正通知")]
    assert rows[0].created_at.tzinfo is not None


def test_a_year_without_an_official_schedule_is_missing_until_its_notice_is_entered(db):
    from service.calendar import service

    assert service.missing_years(db, [2025, 2026, 2027, 2003]) == [2003, 2027]
    assert service.due(db, d("2026-12-25"), 10).provisional

    service.set_override(db, day=d("2027-01-01"), is_workday=False, notice=NOTICE)

    assert service.missing_years(db, [2025, 2026, 2027, 2003]) == [2003]
    assert service.year_sources(db, [2026, 2027]) == {2026: "official", 2027: "overrides"}
    # 2027 counts from the notice now: 1-01 is a rest day and nothing is provisional.
    assert service.due(db, d("2026-12-25"), 10) == service.rules.Due(d("2027-01-11"), False)


def test_an_override_without_a_notice_is_refused(db):
    from service.calendar import service
    from service.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        service.set_override(db, day=d("2027-01-01"), is_workday=False, notice="  ")
    assert [e.field for e in caught.value.errors] == ["notice"]
    db.rollback()
    assert service.overrides_in_year(db, 2027) == []
    assert service.missing_years(db, [2027]) == [2027]


# --- import ---------------------------------------------------------------------------------

NOTICE_CSV = f"""date,kind,notice
2027-01-01,休,{NOTICE}
2027-02-06,班,{NOTICE}
2027-02-08,rest,{NOTICE}
2027-02-09,rest,{NOTICE}
2027-02-10,rest,{NOTICE}
"""


def test_the_service_imports_rows_and_audits_every_day(db):
    from service.calendar import service

    rows = [line.split(",") for line in NOTICE_CSV.splitlines()]
    assert service.import_overrides(db, rows) == 5
    lookup = service.lookup(db)
    assert lookup(d("2027-02-06")).is_workday  # a Saturday made a working day
    assert not lookup(d("2027-02-08")).is_workday  # a Monday made a rest day
    assert not lookup(d("2027-02-08")).provisional
    entries = audit_entries(db, "calendar.override_set")
    assert [e.object_id for e in entries] == [
        "2027-01-01",
        "2027-02-06",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
    ]
    assert entries[1].detail["via"] == "import" and entries[1].detail["line"] == 3


def test_a_bad_line_in_an_import_names_it_and_nothing_is_written(db, tmp_path):
    from service.calendar import service
    from service.errors import ValidationFailed

    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_CSV + f"2027-02-30,rest,{NOTICE}\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        service.import_overrides(db, path)
    assert caught.value.params == {"line": 7, "value": "2027-02-30"}
    db.rollback()
    assert service.overrides_in_year(db, 2027) == []
    assert audit_entries(db, "calendar.override_set") == []


def test_a_file_that_is_not_utf8_is_refused_clearly(cli, db, tmp_path):
    path = tmp_path / "2027-gbk.csv"
    path.write_bytes(NOTICE_CSV.encode("gbk"))  # saved by an old spreadsheet in GBK
    result = cli("calendar", "import", str(path))
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    assert "Traceback" not in result.output


def test_the_command_imports_a_notice_file(cli, db, tmp_path):
    from service.calendar import service

    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_CSV, encoding="utf-8-sig")  # as Excel saves it, with a BOM
    result = cli("calendar", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "5 calendar days imported from 2027.csv" in result.output

    db.rollback()
    assert [o.day for o in service.overrides_in_year(db, 2027)] == [
        d("2027-01-01"),
        d("2027-02-06"),
        d("2027-02-08"),
        d("2027-02-09"),
        d("2027-02-10"),
    ]
    assert service.missing_years(db, [2027]) == []
    # the due date in 2027 is no longer provisional
    assert cli("calendar", "due", "2026-12-25", "10").output.strip() == "2027-01-11"


def test_the_command_names_the_bad_line_of_an_import(cli, db, tmp_path):
    from service.calendar import service

    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_CSV.replace("2027-02-08,rest", "2027-02-08,holiday"), encoding="utf-8")
    result = cli("calendar", "import", str(path))
    assert result.exit_code == 1
    assert "第 4 行" in result.output  # line 4 of the file, in the offices' language
    assert "holiday" in result.output
    assert "Traceback" not in result.output
    db.rollback()
    assert service.overrides_in_year(db, 2027) == []


# --- due dates on the command line ----------------------------------------------------------


def test_due_after_national_day_2026_by_hand(cli):
    # 2026-09-30 is a Wednesday. The 2026 notice: 国庆 10-01..10-07 rest, Saturday 10-10 a
    # make-up workday. Counting (first day not counted): 10-08 Thu 1, 10-09 Fri 2, 10-10 Sat 3,
    # 10-12..10-16 4–8, (10-17/18 weekend), 10-19 Mon 9, 10-20 Tue 10.
    result = cli("calendar", "due", "2026-09-30", "10")
    assert result.exit_code == 0, result.output
    assert result.output == "2026-10-20\n"


def test_due_into_an_unpublished_year_says_provisional(cli):
    result = cli("calendar", "due", "2026-12-25", "10")
    assert result.output == "2027-01-08 (provisional)\n"


def test_due_in_calendar_days_moves_past_the_holiday(cli):
    # 2026-09-20 + 15 days = 10-05, inside the 国庆 break: the next working day is 10-08.
    result = cli("calendar", "due", "2026-09-20", "15", "--calendar-days")
    assert result.output == "2026-10-08\n"


def test_due_with_a_bad_date_or_period_is_a_usage_error(cli):
    assert cli("calendar", "due", "2026-02-30", "10").exit_code == 2
    assert cli("calendar", "due", "2026-09-30", "-1").exit_code == 2


# --- the admin page -------------------------------------------------------------------------


def test_admin_adds_and_deletes_an_override_on_the_page(client, auth, db):
    from service.calendar import service

    auth.login("admin")
    page = client.get("/admin/calendar?year=2026")
    assert page.status_code == 200
    assert "工作日日历" in text(page)
    assert 'data-year="2026" data-source="official"' in text(page)

    added = client.post(
        "/admin/calendar?year=2026",
        data={"day": "2026-10-08", "kind": "rest", "notice": NOTICE_2026},
    )
    assert added.status_code == 302
    page = client.get(added.headers["Location"])
    assert 'data-day="2026-10-08"' in text(page)
    assert NOTICE_2026 in text(page)
    db.rollback()
    assert service.due(db, d("2026-09-30"), 10).date == d("2026-10-21")
    [entry] = audit_entries(db, "calendar.override_set")
    assert entry.object_id == "2026-10-08"
    assert entry.user_id == user_id(db, "admin")
    assert entry.detail["notice"] == NOTICE_2026 and entry.detail["is_workday"] is False

    deleted = client.post("/admin/calendar/2026-10-08/delete")
    assert deleted.status_code == 302
    assert 'data-day="2026-10-08"' not in text(client.get("/admin/calendar?year=2026"))
    db.rollback()
    assert service.due(db, d("2026-09-30"), 10).date == d("2026-10-20")
    [entry] = audit_entries(db, "calendar.override_deleted")
    assert entry.object_id == "2026-10-08" and entry.user_id == user_id(db, "admin")


def test_the_page_refuses_an_override_without_a_notice(client, auth, db):
    from service.calendar import service

    auth.login("admin")
    response = client.post(
        "/admin/calendar", data={"day": "2027-01-01", "kind": "rest", "notice": ""}
    )
    assert response.status_code == 422
    assert 'data-field="notice"' in text(response)
    db.rollback()
    assert service.overrides_in_year(db, 2027) == []


def test_deleting_a_day_without_an_override_is_404(client, auth, db):
    auth.login("admin")
    assert client.post("/admin/calendar/2026-10-08/delete").status_code == 404
    assert client.post("/admin/calendar/not-a-day/delete").status_code == 404


@pytest.mark.parametrize("username", ["jinniu-clerk", "shifang-supervisor", "sichuan-supervisor"])
def test_anyone_but_an_admin_gets_404(client, auth, db, username):
    auth.login(username, PASSWORD)
    assert client.get("/admin/calendar").status_code == 404
    response = client.post(
        "/admin/calendar", data={"day": "2026-10-08", "kind": "rest", "notice": NOTICE_2026}
    )
    assert response.status_code == 404
    assert "calendar" not in client.get("/").get_data(as_text=True).split("<main>")[0]
    db.rollback()
    assert audit_entries(db, "calendar.override_set") == []


def test_the_page_needs_a_login(client, db):
    response = client.get("/admin/calendar")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admins_see_a_banner_on_every_page_while_next_year_is_missing(
    client, auth, db, monkeypatch
):
    from service.calendar import service

    monkeypatch.setattr(service, "local_today", lambda: d("2026-11-30"))
    auth.login("admin")
    for url in ("/", "/admin/calendar"):
        page = text(client.get(url))
        assert 'data-missing-year="2027"' in page
        assert "2027 年" in page and "临时" in page  # provisional, in the offices' language
        assert 'data-missing-year="2026"' not in page
    assert 'href="/admin/calendar"' in text(client.get("/"))  # linked from the admin home

    service.set_override(db, day=d("2027-01-01"), is_workday=False, notice=NOTICE)
    assert "data-missing-year" not in text(client.get("/"))


def test_no_banner_while_both_years_are_published(client, auth, db, monkeypatch):
    from service.calendar import service

    monkeypatch.setattr(service, "local_today", lambda: d("2025-06-01"))
    auth.login("admin")
    assert "data-missing-year" not in text(client.get("/"))


def test_other_users_never_see_the_banner(client, auth, db, monkeypatch):
    from service.calendar import service

    monkeypatch.setattr(service, "local_today", lambda: d("2026-11-30"))
    auth.login("jinniu-supervisor")
    assert "data-missing-year" not in text(client.get("/"))
