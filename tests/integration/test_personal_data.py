"""A person's ID number is shown in full only to the offices party to the case — every such
view audited — and masked to a supervising bureau reading along, on the API and the page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.audit.models import AuditEntry
from service.db import get_db
from tests.conftest import AuthActions
from tests.integration.test_registrations import ID, body

pytestmark = pytest.mark.services
MASKED = ID[:4] + "*" * 10 + ID[-4:]


def views_of(app, case_id):
    with get_db(app).session() as db:
        return [
            (e.office_code, e.detail["fields"])
            for e in db.exec(
                select(AuditEntry).where(
                    AuditEntry.action == "case.view_personal_data",
                    AuditEntry.object_id == str(case_id),
                )
            )
        ]


def test_the_parties_see_the_number_in_full_and_each_view_is_audited(app, api):
    case = api("jinniu-clerk").post("/cases", json=body()).get_json()
    shown = api("pengzhou-clerk").get(f"/cases/{case['id']}").get_json()
    assert shown["details"]["person"]["id_number"] == ID
    assert views_of(app, case["id"]) == [("pengzhou", ["person.id_number"])]
    client = app.test_client()
    AuthActions(client).login("jinniu-clerk")
    assert ID in client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert [office for office, _fields in views_of(app, case["id"])] == ["pengzhou", "jinniu"]


def test_a_bureau_reading_along_sees_the_number_masked_and_nothing_is_audited(app, api):
    case = api("jinniu-clerk").post("/cases", json=body()).get_json()
    shown = api("chengdu-supervisor").get(f"/cases/{case['id']}").get_json()
    assert shown["details"]["person"]["id_number"] == MASKED
    client = app.test_client()
    AuthActions(client).login("chengdu-supervisor")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert ID not in page and MASKED in page
    assert views_of(app, case["id"]) == []
