"""The OpenAPI 3.1 document describes every route the handlers serve, from the same models."""

from __future__ import annotations

import re

import pytest

from service.db import MAX_ROW_ID

pytestmark = pytest.mark.services


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_is_openapi_31_and_every_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_document_lists_the_stable_paths_of_the_contract(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        ("/auth/token", "post"),
        ("/auth/token", "delete"),
        ("/offices", "get"),
        ("/cases", "post"),
        ("/cases", "get"),
        ("/cases/{case_id}", "get"),
        ("/cases/{case_id}/timeline", "get"),
        ("/cases/{case_id}/actions/{action}", "post"),
        ("/inbox", "get"),
        ("/inbox/{item_id}/read", "post"),
        ("/inbox/{item_id}/ack", "post"),
    }
    assert expected <= {(p, m) for p, methods in paths.items() for m in methods}


def test_case_creation_is_one_union_discriminated_on_kind(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    general = doc["components"]["schemas"]["GeneralCaseCreate"]
    assert body == {"$ref": "#/components/schemas/GeneralCaseCreate"} or body.get("discriminator")
    assert general["properties"]["kind"]["const"] == "general"
    assert set(general["required"]) >= {"kind", "receiving_office", "title"}
    errors = doc["paths"]["/cases"]["post"]["responses"]["422"]["content"]
    assert "application/problem+json" in errors


def test_docs_page_is_browsable_offline(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "POST /cases" in page and "GeneralCaseCreate" in page
    assert "http://" not in page.split("<main>")[0].replace("http://www.w3.org", "")
    assert "cdn" not in page.lower()


def _parameters(doc: dict, path: str, method: str = "get") -> dict[str, dict]:
    return {p["name"]: p for p in doc["paths"][path][method].get("parameters", [])}


def test_query_parameters_state_the_constraints_the_handlers_validate(client, api):
    doc = client.get("/api/v1/openapi.json").get_json()
    inbox = _parameters(doc, "/inbox")
    assert inbox["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert inbox["cursor"]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
    cases = _parameters(doc, "/cases")
    assert cases["q"]["schema"]["maxLength"] == 100
    assert re.search(cases["q"]["schema"]["pattern"], "报销 100%")
    assert not re.search(cases["q"]["schema"]["pattern"], "a\x00b")
    assert _parameters(doc, "/deliveries")["case_id"]["required"] is True

    # What the document calls valid, the handler takes; what it does not, the handler refuses.
    jinniu = api("jinniu-clerk")
    for path in ("/inbox", "/cases"):
        for name, parameter in _parameters(doc, path).items():
            schema = parameter["schema"]
            if schema.get("type") != "integer":
                continue
            low, high = schema["minimum"], schema["maximum"]
            for value, valid in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
                response = jinniu.get(path, query_string={name: value})
                assert response.status_code == (200 if valid else 422), (path, name, value)
    too_long = jinniu.get("/cases", query_string={"q": "x" * 101})
    assert too_long.status_code == 422


def test_headers_state_the_values_the_handlers_take(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    if_match = _parameters(doc, "/cases/{case_id}/actions/{action}", "post")["If-Match"]
    pattern = if_match["schema"]["pattern"]
    assert [v for v in ('"3"', 'W/"3"', "*", "3", '"+3"', '"3_0"') if re.search(pattern, v)] == [
        '"3"',
        'W/"3"',
    ]
    key = _parameters(doc, "/cases", "post")["Idempotency-Key"]["schema"]["pattern"]
    assert re.search(key, "2f1c0a6e-0d55-4c2b-9a51-8f0f2f1c2d3e")
    assert not re.search(key, "with space") and not re.search(key, "")


def test_a_method_not_allowed_answer_says_which_methods_are(client):
    api = client.open("/api/v1/offices", method="TRACE")
    assert api.status_code == 405
    assert api.headers["Content-Type"] == "application/problem+json"
    assert set(api.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.put("/cases")
    assert page.status_code == 405
    assert set(page.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
