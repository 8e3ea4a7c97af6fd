"""A case kind is one folder and one registration: a throwaway kind registered in a few lines
is filed, worked with an assisting office and completed through the same API as every kind."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from service.cases.kinds import REGISTRY, CaseKind, EventText, Filing
from service.cases.rules import Side, Status, Workflow, transition
from service.db import get_db

pytestmark = pytest.mark.services


class ProbeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["probe"]
    receiving_office: str
    assisting_office: str | None = None
    title: str
    sample: str


def _probe_kind(detail_model) -> CaseKind:
    def prepare(session, actor, data: ProbeCreate) -> Filing:
        parties = ((data.assisting_office, Side.assisting),) if data.assisting_office else ()
        return Filing(
            receiving_office=data.receiving_office,
            title=data.title,
            parties=parties,
            details=detail_model(sample=data.sample),
            business_status="sampling",
        )

    workflow = Workflow.of(
        transition(
            "accept",
            [Status.requested],
            Status.accepted,
            by=Side.receiver,
            notify=Side.filer,
            owner_becomes=Side.receiver,
            business_to="testing",
        ),
        transition(
            "report",
            [Status.accepted],
            Status.in_progress,
            by=Side.assisting,
            notify=Side.owner,
            business_from={"testing"},
            business_to="reported",
        ),
        transition(
            "complete",
            [Status.accepted, Status.in_progress],
            Status.completed,
            by=Side.owner,
            notify=[Side.filer, Side.assisting],
            business_from={"reported"},
        ),
    )
    return CaseKind(
        code="probe",
        label="Probe",
        description="A kind that exists only in this test.",
        create_model=ProbeCreate,
        workflow=workflow,
        prepare=prepare,
        events={
            "file": EventText("probe.filed", "Probe filed", "%(office)s filed %(number)s"),
            "accept": EventText("probe.accepted", "Probe accepted", "%(office)s accepted"),
            "report": EventText("probe.reported", "Probe reported", "%(office)s reported"),
            "complete": EventText("probe.completed", "Probe done", "%(office)s completed"),
        },
        detail_model=detail_model,
        read_details=lambda row: {"sample": row.sample},
        business_steps={"sampling": "Sampling", "testing": "Testing", "reported": "Reported"},
    )


@pytest.fixture(scope="module")
def probe_detail():
    class ProbeDetail(SQLModel, table=True):
        __tablename__ = "probe_detail"
        case_id: int = Field(foreign_key="case.id", primary_key=True)
        sample: str

    yield ProbeDetail
    SQLModel.metadata.remove(ProbeDetail.__table__)  # the migrations know nothing of it


@pytest.fixture
def probe(app, probe_detail):
    engine = get_db(app).engine
    probe_detail.__table__.create(engine, checkfirst=True)
    kind = REGISTRY.register(_probe_kind(probe_detail))
    yield kind
    REGISTRY.unregister("probe")
    probe_detail.__table__.drop(engine)


def _file(api, to="pengzhou", assisting=None):
    body = {"kind": "probe", "receiving_office": to, "title": "抽检样品", "sample": "批号 A-17"}
    if assisting:
        body["assisting_office"] = assisting
    return api.post("/cases", json=body)


def _notifications(app, case_id):
    from sqlmodel import select

    from service.notifications.models import Notification

    with get_db(app).session() as db:
        return list(db.exec(select(Notification).where(Notification.case_id == case_id)))


def test_a_registered_kind_is_filed_worked_with_an_assisting_office_and_completed(app, api, probe):
    jinniu, pengzhou, shifang = (
        api("jinniu-clerk"),
        api("pengzhou-investigator"),
        api("shifang-clerk"),
    )
    filed = _file(jinniu, assisting="shifang")
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert (case["kind"], case["status"], case["business_status"]) == (
        "probe",
        "requested",
        "sampling",
    )
    assert case["details"] == {"sample": "批号 A-17"}
    told = {(n.recipient_office, n.event) for n in _notifications(app, case["id"])}
    assert told == {("pengzhou", "probe.filed"), ("shifang", "probe.filed")}

    # the assisting office sees the case, has nothing to do yet, then reports once accepted
    assert shifang.get(f"/cases/{case['id']}").status_code == 200
    assert [c["id"] for c in shifang.get("/cases").get_json()["items"]] == [case["id"]]
    assert shifang.act(case["id"], "report").status_code == 409
    accepted = pengzhou.act(case["id"], "accept")
    assert accepted.get_json()["business_status"] == "testing"
    assert accepted.get_json()["owner_office"] == "pengzhou"
    # the filer may not report in the assisting office's place, nor complete before the report
    assert jinniu.act(case["id"], "report").status_code == 403
    assert pengzhou.act(case["id"], "complete").status_code == 409
    reported = shifang.act(case["id"], "report")
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["business_status"] == "reported"
    done = pengzhou.act(case["id"], "complete")
    assert done.get_json()["status"] == "completed"

    timeline = [e["action"] for e in jinniu.get(f"/cases/{case['id']}/timeline").get_json()]
    assert timeline == ["file", "accept", "report", "complete"]
    # the report reached the owner; completion is told to the filer and the assisting office
    told = {(n.recipient_office, n.event) for n in _notifications(app, case["id"])}
    assert ("pengzhou", "probe.reported") in told
    assert {("jinniu", "probe.completed"), ("shifang", "probe.completed")} <= told


def test_an_office_not_party_to_a_case_of_the_kind_gets_404(api, probe):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = _file(jinniu).get_json()  # jinniu → pengzhou, nobody assisting
    assert shifang.get(f"/cases/{case['id']}").status_code == 404
    assert shifang.get(f"/cases/{case['id']}/timeline").status_code == 404
    assert shifang.act(case["id"], "report").status_code == 404
    assert shifang.get("/cases").get_json()["items"] == []
    # deyang oversees shifang only; chengdu oversees both parties
    assert api("deyang-supervisor").get(f"/cases/{case['id']}").status_code == 404
    assert api("chengdu-supervisor").get(f"/cases/{case['id']}").status_code == 200


def test_the_assisting_office_finds_the_case_waiting_for_it_once_its_step_is_due(
    app, api, auth, client, probe
):
    jinniu, pengzhou = api("jinniu-clerk"), api("pengzhou-clerk")
    case = _file(jinniu, assisting="shifang").get_json()
    auth.login("shifang-clerk")
    waiting = client.get("/cases?waiting=1").get_data(as_text=True)
    assert case["number"] not in waiting
    pengzhou.act(case["id"], "accept")
    waiting = client.get("/cases?waiting=1").get_data(as_text=True)
    assert case["number"] in waiting
    home = client.get("/").get_data(as_text=True)
    assert 'id="waiting-total">1<' in home
    listed = api("shifang-clerk").get("/cases?waiting=true").get_json()["items"]
    assert [c["id"] for c in listed] == [case["id"]]
    # a party's office filter finds it by the assisting office too
    assert [c["id"] for c in jinniu.get("/cases?office=shifang").get_json()["items"]] == [
        case["id"]
    ]


def test_the_api_union_and_the_openapi_document_offer_the_registered_kind(api, client, probe):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "ProbeCreate" in doc["components"]["schemas"]
    wrong = api("jinniu-clerk").post("/cases", json={"kind": "lottery", "title": "x"})
    assert wrong.status_code == 422
    problem = wrong.get_json()
    assert problem["errors"][0]["field"] == "kind"
    assert "probe" in problem["errors"][0]["message"]
    missing = _file(api("jinniu-clerk"))
    assert missing.status_code == 201
    bad = api("jinniu-clerk").post("/cases", json={"kind": "probe", "receiving_office": "x"})
    assert {e["field"] for e in bad.get_json()["errors"]} == {"title", "sample"}


def test_the_service_refuses_to_start_while_a_kind_has_a_step_without_a_period(pg_database):
    from dataclasses import replace

    from service import create_app
    from service.general.kind import KIND

    REGISTRY.unregister("general")
    REGISTRY.register(replace(KIND, steps=(*KIND.steps, "archive")))
    try:
        with pytest.raises(ValueError, match="general/archive: no period in config/sla.toml"):
            create_app(pg_database)
    finally:
        REGISTRY.unregister("general")
        REGISTRY.register(KIND)
