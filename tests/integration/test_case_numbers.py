"""Case numbers on PostgreSQL: one office's filings never wait on each other's commits for the
counter; numbers stay unique and in filing order, and a filing that fails after drawing its
number leaves a gap (the README says so)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from service.accounts.models import User
from service.cases import flows
from service.db import get_db
from service.general.models import GeneralCaseCreate

pytestmark = pytest.mark.services


def sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_a_filing_does_not_wait_for_an_uncommitted_one_of_the_same_office(app, api):
    jinniu = api("jinniu-clerk")
    first = sequence(jinniu.file(title="先提交的请求").get_json()["number"])
    with app.app_context(), get_db(app).session() as open_filing:
        clerk = open_filing.exec(select(User).where(User.username == "jinniu-clerk")).one()
        data = GeneralCaseCreate(kind="general", receiving_office="shifang", title="未提交的请求")
        pending = flows.file_uncommitted(open_filing, actor=clerk, data=data)
        assert sequence(pending.number) == first + 1
        # while that transaction is open, a colleague's filing goes through with the next number
        answers = []
        colleague = threading.Thread(target=lambda: answers.append(jinniu.file(title="同时提交")))
        colleague.start()
        colleague.join(timeout=60)
        assert not colleague.is_alive(), "the second filing waited for the first one's commit"
        assert answers[0].status_code == 201
        assert sequence(answers[0].get_json()["number"]) == first + 2
        open_filing.rollback()  # the first never lands: its number stays unused
    after = sequence(jinniu.file(title="之后提交").get_json()["number"])
    assert after == first + 3
    numbers = [c["number"] for c in jinniu.get("/cases?limit=10").get_json()["items"]]
    assert sorted(sequence(n) for n in numbers) == [first, first + 2, first + 3]


def test_many_filings_of_one_office_at_once_get_every_number_once(app, api):
    jinniu = api("jinniu-clerk")
    answers: list = []

    def file_ten(worker: int) -> None:
        for n in range(10):
            answers.append(jinniu.file(title=f"并发提交 {worker}-{n}"))

    threads = [threading.Thread(target=file_ten, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [201] * 80
    numbers = sorted(sequence(a.get_json()["number"]) for a in answers)
    assert numbers == list(range(numbers[0], numbers[0] + 80))  # none twice, none skipped


def test_the_first_filing_of_a_year_continues_the_counter_of_that_year(app, api):
    """A database whose numbers were counted in the counter table goes on from there."""
    from service.cases.models import CaseCounter
    from service.cases.service import _year

    with app.app_context(), get_db(app).session() as db:
        db.add(CaseCounter(office_code="jinniu", year=_year(), last=41))
        db.commit()
    number = api("jinniu-clerk").file(title="续号").get_json()["number"]
    assert number == f"JN-{_year()}-000042"


def test_a_write_refused_at_commit_raises_and_keeps_nothing(app):
    """The rows of a filing go to the database together with its COMMIT: a row the database
    refuses there is the same IntegrityError as from a flush, and nothing of the rest stays."""
    from sqlalchemy.exc import IntegrityError

    from service.audit.models import AuditEntry
    from service.db import commit_together
    from service.offices.models import Office

    with app.app_context(), get_db(app).session() as db:
        copy = Office(**db.get(Office, "jinniu").model_dump())  # the same code again
        db.expunge_all()
        db.add(AuditEntry(action="test.pipeline", object_type="office", object_id="jinniu"))
        db.add(copy)
        with pytest.raises(IntegrityError):
            commit_together(db)
        written = db.exec(select(AuditEntry).where(AuditEntry.action == "test.pipeline")).all()
        assert written == []
