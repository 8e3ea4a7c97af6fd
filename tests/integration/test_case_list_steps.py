"""The case list filters by kind and by the kind's own step (business_status), on the page and
over the API: the page offers the steps of the chosen kind, from the registry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.cases.kinds import registry
from service.sla.service import local_today

pytestmark = pytest.mark.services


def transfer(id_number: str) -> dict:
    return {
        "kind": "transfer",
        "transfer_out_office": "jinniu",
        "transfer_in_office": "shifang",
        "person": {"name": "赵六", "id_number": id_number},
        "scheme_out": "employee",
        "scheme_in": "employee",
        "suspended_on": (local_today() - timedelta(days=5)).isoformat(),
        "reason": "employment",
    }


@pytest.fixture
def cases(api):
    """Three cases of 什邡: a transfer being checked, one at the transfer-out, a general one."""
    shifang, jinniu = api("shifang-clerk"), api("jinniu-clerk")
    checking = shifang.post("/cases", json=transfer("510106198505050012")).get_json()
    out = shifang.post("/cases", json=transfer("510106198505050039")).get_json()
    assert jinniu.act(out["id"], "accept").get_json()["business_status"] == "transfer_out"
    general = shifang.post(
        "/cases",
        json={"kind": "general", "receiving_office": "jinniu", "title": "协查", "description": "x"},
    ).get_json()
    return {"checking": checking, "transfer_out": out, "general": general}


def numbers(page: str) -> set[str]:
    return set(re.findall(r"[A-Z]{2}-\d{4}-\d{6}", page))


def test_the_api_lists_the_cases_of_a_kind_at_one_step(api, cases):
    shifang = api("shifang-clerk")

    def ids(**query) -> set[int]:
        listed = shifang.get("/cases", query_string=query)
        assert listed.status_code == 200, listed.get_json()
        return {c["id"] for c in listed.get_json()["items"]}

    assert ids(kind="transfer", step="transfer_out") == {cases["transfer_out"]["id"]}
    assert ids(kind="transfer", step="checking") == {cases["checking"]["id"]}
    assert ids(kind="transfer", step="balance_credited") == set()
    assert ids(step="transfer_out") == {cases["transfer_out"]["id"]}  # a step of any kind
    assert len(ids(kind="transfer")) == 2 and len(ids()) == 3


@pytest.mark.parametrize(
    "query",
    [{"kind": "transfer", "step": "nonsense"}, {"kind": "general", "step": "transfer_out"}],
)
def test_a_step_the_kind_has_not_lists_nothing_like_an_unknown_status(api, cases, query):
    listed = api("shifang-clerk").get("/cases", query_string=query)
    assert listed.status_code == 200
    assert listed.get_json()["items"] == []


def test_the_page_offers_the_chosen_kinds_steps_and_filters_by_one(client, auth, cases):
    auth.login("shifang-clerk")
    everything = client.get("/cases").get_data(as_text=True)
    assert 'name="step"' not in everything  # no kind chosen: no steps to offer
    page = client.get("/cases?kind=transfer").get_data(as_text=True)
    offered = re.findall(r'<select name="step">(.*?)</select>', page, re.S)
    assert offered, "the transfer's steps are offered"
    codes = re.findall(r'<option value="([^"]*)"', offered[0])
    assert codes == ["", *registry().get("transfer").business_steps]
    assert "balance_credited" in codes

    page = client.get("/cases?kind=transfer&step=transfer_out").get_data(as_text=True)
    assert numbers(page) == {cases["transfer_out"]["number"]}
    assert re.search(r'<option value="transfer_out" selected>', page)
    # a step without its kind, or one the kind has not, filters nothing
    unfiltered = client.get("/cases?step=transfer_out").get_data(as_text=True)
    assert numbers(unfiltered) == {c["number"] for c in cases.values()}
    other = client.get("/cases?kind=general&step=transfer_out").get_data(as_text=True)
    assert numbers(other) == {cases["general"]["number"]}


def test_every_kind_with_steps_offers_them_on_the_page(client, auth):
    auth.login("shifang-clerk")
    for kind in registry():
        page = client.get(f"/cases?kind={kind.code}").get_data(as_text=True)
        assert ('name="step"' in page) == bool(kind.business_steps), kind.code
