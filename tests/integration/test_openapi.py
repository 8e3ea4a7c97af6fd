"""The OpenAPI 3.1 document describes every route the handlers serve, from the same models."""

from __future__ import annotations

import pytest

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
