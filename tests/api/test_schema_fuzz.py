"""schemathesis fuzzes every documented operation with every check it has (what ``st run
--checks all`` runs): no 5xx, every answer as documented, schema-valid requests accepted and
schema-invalid ones refused, 405 with ``Allow``, authentication enforced."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

import service.api.register  # noqa: F401 - every route, so the document lists them all
from service.api.openapi import build_document
from tests.conftest import Api

pytestmark = pytest.mark.services

DOCUMENT = build_document()

# A request can be schema-valid and still refused for what no schema states: an
# Idempotency-Key names one body only, so POST /cases may answer a key used again with another
# body 422 (``rules_the_schema_cannot_state`` checks that this is the field refused).
CONFIG = SchemathesisConfig.from_str(
    """
[[operations]]
include-name = "POST /cases"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"
]
"""
)
RULES_BEYOND_THE_SCHEMA = {("POST", "/cases"): {"Idempotency-Key"}}
# What the relation kinds check beyond any JSON schema: identifiers' check characters and
# birth dates, dates against today and each other, offices and pools that exist and how they
# relate (one pool or two, the settling pool).
KIND_RULES = re.compile(
    r"^(person\.id_number|receiving_office|transfer_(in|out)_office|pool_code|scheme_in"
    r"|suspended_on|sex|birth_date|retirement_date|periods(\[\d+\](\.\w+)?)?)$"
)


class _CurrentApp:
    """The WSGI app of the running test. schemathesis wants the app with the schema, when this
    module is collected; each test builds its own (its case tables emptied)."""

    app = None

    def __call__(self, environ, start_response):
        # A client address, as every real request has: the per-address limits apply too.
        environ.setdefault("REMOTE_ADDR", "192.0.2.10")
        return self.app(environ, start_response)


APP = _CurrentApp()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
schema.app = APP
TOKENS: dict[int, str] = {}


# schemathesis applies this to the cases it generates, some when the module is collected, and
# leaves it out, or spoils it, where it tests that authentication is enforced. The test puts the
# running app's own token in its place.
PLACEHOLDER = "Bearer jinniu-clerk"


@schema.auth()
class Bearer:
    def get(self, case, context):
        return PLACEHOLDER

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


def _token() -> str:
    if id(APP.app) not in TOKENS:
        TOKENS[id(APP.app)] = Api(APP.app, "jinniu-clerk").token
    return TOKENS[id(APP.app)]


@pytest.fixture(autouse=True)
def running_app(app):
    APP.app = app
    yield
    TOKENS.pop(id(app), None)
    APP.app = None


def test_the_fuzzed_document_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT


def rules_the_schema_cannot_state(ctx, response, case):
    """Where a schema-valid request may be refused (422), only for the fields listed."""
    allowed = RULES_BEYOND_THE_SCHEMA.get((case.method.upper(), case.operation.path))
    if allowed is None or response.status_code != 422 or not case.meta.generation.mode.is_positive:
        return None
    fields = {error["field"] for error in response.json()["errors"]}
    if isinstance(case.body, dict) and case.body.get("kind") not in (None, "general"):
        fields = {f for f in fields if not KIND_RULES.match(f)}
    assert fields <= allowed, f"a schema-valid body refused for {fields - allowed}"
    return None


def _send_to_a_partner_office(case) -> None:
    """Generated office codes name no office: the schema-valid case bodies go to 什邡, so that
    filing a case and the answer to it are fuzzed too (the invalid ones stay as generated)."""
    body = case.body
    if (
        (case.method.upper(), case.operation.path) == ("POST", "/cases")
        and case.meta is not None
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
        and "receiving_office" in body
    ):
        body["receiving_office"] = "shifang"


def _leave_out_header_values_the_schema_refuses(case) -> None:
    """schemathesis 4's coverage phase draws header values from letters and digits only; where
    a header's pattern needs more (the quotes of an ETag) it fills in a value the pattern
    refuses and still counts the case as schema-valid. Such an optional header is left out,
    which keeps the case what it claims to be."""
    if case.meta is None or not case.meta.generation.mode.is_positive or not case.headers:
        return
    for parameter in case.operation.headers:
        value = case.headers.get(parameter.name)
        if not parameter.is_required and value is not None and not parameter.is_valid(value):
            del case.headers[parameter.name]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_passes_every_check(case):
    _leave_out_header_values_the_schema_refuses(case)
    _send_to_a_partner_office(case)
    if case.headers and case.headers.get("Authorization") == PLACEHOLDER:
        case.headers["Authorization"] = f"Bearer {_token()}"
    case.call_and_validate(additional_checks=[rules_the_schema_cannot_state])
    if case.method.upper() == "DELETE" and case.operation.path == "/auth/token":
        TOKENS.pop(id(APP.app), None)  # revoked: the next case logs in again
