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
