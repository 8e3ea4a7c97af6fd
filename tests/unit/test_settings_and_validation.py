"""Settings refuse an unsafe production setup; pydantic errors become field errors a clerk reads."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from config import DEV_SECRET_KEY, Settings
from service.cases.kinds import registry
from service.errors import ValidationFailed
from service.general.models import GeneralCaseCreate
from service.validation import domain_error_from

GOOD_KEY = "Zq8r1v0c4hJ7w2mN5tB9xK3pL6yD0fGa"
PG = "postgresql://referral@db.internal:5432/referral"
REDIS = "redis://broker.internal:6379/0"
LIMITS_REDIS = "redis://broker.internal:6379/1"


@pytest.fixture(autouse=True)
def _no_referral_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("REFERRAL_"):
            monkeypatch.delenv(name)


def make(**kw) -> Settings:
    return Settings(_env_file=None, **kw)


def production(**kw) -> Settings:
    values = {
        "env": "production",
        "secret_key": GOOD_KEY,
        "database_url": PG,
        "broker_url": REDIS,
        "redis_url": LIMITS_REDIS,
    }
    values.update(kw)
    return make(**values)


# --- settings --------------------------------------------------------------------------------


def test_production_accepts_a_long_random_key_and_real_services():
    s = production()
    assert s.is_production
    assert s.sqlalchemy_url == "postgresql+psycopg://referral@db.internal:5432/referral"
    assert s.celery_broker_url == REDIS
    assert not s.is_sqlite


@pytest.mark.parametrize(
    "key",
    [
        DEV_SECRET_KEY,
        "change-me",
        "change-me-to-a-long-random-value-please",
        "CHANGE-ME-to-a-long-random-value-please",
        "Change-Me-Zq8r1v0c4hJ7w2mN5tB9xK3pL6yD0fG",
        "short-key",
        "x" * 15,
        "a" * 16,
        " " * 16,
        "a" * 64,
        " " * 64,
        "ab" * 32,
        "1234567890" * 3 + "12",
        "Zq8r1v0c4hJ7w2mN5tB9xK3pL6yD0fG",
        "",
    ],
    ids=[
        "development-key",
        "change-me",
        "change-me-long",
        "CHANGE-ME-upper-case",
        "Change-Me-mixed-case",
        "short",
        "fifteen-chars",
        "sixteen-as",
        "sixteen-spaces",
        "sixty-four-as",
        "sixty-four-spaces",
        "two-characters-repeated",
        "thirty-two-digits",
        "random-but-31-chars",
        "empty",
    ],
)
def test_production_refuses_an_unsafe_secret_key(key):
    with pytest.raises(ValidationError) as raised:
        production(secret_key=key)
    message = str(raised.value)
    assert "REFERRAL_SECRET_KEY" in message
    assert "at least 32 characters" in message and "128 bits" in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in message
    if key.strip():
        assert key not in message  # the refused key itself is never shown


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(16),
        lambda: secrets.token_hex(32),
    ],
    ids=["token_urlsafe-48", "token_urlsafe-32", "token_hex-16", "token_hex-32"],
)
def test_production_accepts_keys_the_usual_generators_make(make_key):
    for _ in range(50):  # random keys: each generator, many times
        key = make_key()
        assert production(secret_key=key).secret_key == key


def test_production_refuses_the_default_key_when_none_is_given():
    with pytest.raises(ValidationError, match="REFERRAL_SECRET_KEY"):
        make(env="production", database_url=PG, broker_url=REDIS, redis_url=LIMITS_REDIS)


@pytest.mark.parametrize("missing", ["database_url", "broker_url", "redis_url"])
def test_production_refuses_missing_database_broker_or_redis(missing):
    with pytest.raises(ValidationError) as raised:
        production(**{missing: ""})
    assert f"REFERRAL_{missing.upper()}" in str(raised.value)


@pytest.mark.parametrize(
    "database_url",
    ["sqlite:////srv/referral/referral.db", "sqlite://", "mysql://referral@db/referral"],
)
def test_production_refuses_a_database_other_than_postgresql(database_url):
    with pytest.raises(ValidationError) as raised:
        production(database_url=database_url)
    assert "REFERRAL_DATABASE_URL" in str(raised.value) and "PostgreSQL" in str(raised.value)


@pytest.mark.parametrize("url", ["filesystem://", "memory://", "amqp://guest@mq//"])
@pytest.mark.parametrize("setting", ["broker_url", "redis_url"])
def test_production_refuses_a_broker_or_redis_that_is_not_redis(setting, url):
    with pytest.raises(ValidationError) as raised:
        production(**{setting: url})
    assert f"REFERRAL_{setting.upper()}" in str(raised.value) and "Redis" in str(raised.value)


@pytest.mark.parametrize(
    "database_url",
    [PG, "postgres://referral@db/referral", "postgresql+psycopg://referral@db/referral"],
)
def test_production_accepts_postgresql_urls_in_each_spelling(database_url):
    assert production(database_url=database_url).database_url == database_url


def test_production_accepts_redis_over_tls():
    s = production(broker_url="rediss://broker:6380/0", redis_url="rediss://broker:6380/1")
    assert s.celery_broker_url == "rediss://broker:6380/0"


def test_production_settings_also_read_from_the_environment_are_checked(monkeypatch):
    monkeypatch.setenv("REFERRAL_ENV", "production")
    monkeypatch.setenv("REFERRAL_SECRET_KEY", "change-me-please-now")
    monkeypatch.setenv("REFERRAL_DATABASE_URL", PG)
    monkeypatch.setenv("REFERRAL_BROKER_URL", REDIS)
    monkeypatch.setenv("REFERRAL_REDIS_URL", LIMITS_REDIS)
    with pytest.raises(ValidationError, match="REFERRAL_SECRET_KEY"):
        Settings(_env_file=None)
    monkeypatch.setenv("REFERRAL_SECRET_KEY", GOOD_KEY)
    assert Settings(_env_file=None).is_production


def test_webhooks_reach_no_private_network_unless_one_is_allowed():
    assert make().webhook_networks == ()
    s = make(webhook_allowed_networks=" 127.0.0.0/8, 10.20.0.0/16,fd00::/8 ,")
    assert [str(n) for n in s.webhook_networks] == ["127.0.0.0/8", "10.20.0.0/16", "fd00::/8"]
    assert s.webhook_allowed_networks == "127.0.0.0/8,10.20.0.0/16,fd00::/8"


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "10.0.0.1/8"])
def test_a_webhook_network_that_is_not_a_cidr_is_refused_with_its_name(value):
    with pytest.raises(ValidationError) as raised:
        make(webhook_allowed_networks=value)
    assert "REFERRAL_WEBHOOK_ALLOWED_NETWORKS" in str(raised.value) and value in str(raised.value)


def test_no_proxy_is_trusted_by_default_and_the_hops_are_never_negative():
    assert make().trusted_proxies == 0
    assert make(trusted_proxies=2).trusted_proxies == 2
    with pytest.raises(ValidationError):
        make(trusted_proxies=-1)


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_accept_the_development_key_and_no_services(env):
    s = make(env=env)
    assert s.secret_key == DEV_SECRET_KEY
    assert not s.is_production


def test_unknown_environment_name_is_refused():
    with pytest.raises(ValidationError):
        make(env="staging")


def test_embedded_default_is_sqlite_and_a_filesystem_queue_under_the_instance_path(tmp_path):
    s = make(instance_path=tmp_path)
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'referral.db'}"
    assert s.is_sqlite
    assert s.celery_broker_url == "filesystem://"
    assert s.queue_path == tmp_path / "queue"


def test_default_instance_path_is_inside_the_project():
    s = make()
    assert s.instance_path == Path(__file__).resolve().parents[2] / "instance"
    assert s.sqlalchemy_url.startswith("sqlite:///")
    assert s.sqlalchemy_url.endswith("instance/referral.db")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////srv/referral.db", "sqlite:////srv/referral.db"),
    ],
)
def test_database_url_gets_the_psycopg_driver(given, expected):
    s = make(database_url=given)
    assert s.sqlalchemy_url == expected
    assert s.is_sqlite == expected.startswith("sqlite")


def test_environment_values_are_read_with_the_referral_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("REFERRAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REFERRAL_BROKER_URL", REDIS)
    monkeypatch.setenv("REFERRAL_PAGE_SIZE", "50")
    s = Settings(_env_file=None)
    assert s.instance_path == tmp_path
    assert s.celery_broker_url == REDIS
    assert s.page_size == 50


# --- validation -------------------------------------------------------------------------------

GOOD = {
    "kind": "general",
    "receiving_office": "shifang",
    "title": "协助核实",
    "description": "请协助。",
}
UNION = TypeAdapter(registry().create_type())


def errors_of(validate, data) -> list[tuple[str, str, dict]]:
    with pytest.raises(ValidationError) as raised:
        validate(data)
    domain = domain_error_from(raised.value)
    assert isinstance(domain, ValidationFailed)
    assert domain.status == 422
    return [(e.field, e.message, e.params) for e in domain.errors]


VALIDATORS = pytest.mark.parametrize(
    "validate",
    [GeneralCaseCreate.model_validate, UNION.validate_python],
    ids=["GeneralCaseCreate", "CaseCreate-union"],
)


@VALIDATORS
def test_a_good_body_validates(validate):
    created = validate({**GOOD, "title": "  协助核实  "})
    assert created.title == "协助核实"


@VALIDATORS
def test_missing_title_names_the_title(validate):
    body = {k: v for k, v in GOOD.items() if k != "title"}
    assert errors_of(validate, body) == [("title", "This field is required.", {})]


@VALIDATORS
@pytest.mark.parametrize("title", ["", "   "])
def test_blank_title_must_not_be_empty(validate, title):
    assert errors_of(validate, {**GOOD, "title": title}) == [
        ("title", "This field must not be empty.", {})
    ]


@VALIDATORS
def test_too_long_title_says_the_limit(validate):
    assert errors_of(validate, {**GOOD, "title": "长" * 201}) == [
        ("title", "At most %(max)s characters.", {"max": 200})
    ]


@VALIDATORS
def test_title_must_be_text(validate):
    assert errors_of(validate, {**GOOD, "title": 5}) == [("title", "Must be text.", {})]


@VALIDATORS
def test_missing_receiving_office_names_it(validate):
    body = {k: v for k, v in GOOD.items() if k != "receiving_office"}
    assert errors_of(validate, body) == [("receiving_office", "This field is required.", {})]


@VALIDATORS
def test_every_bad_field_is_reported_at_once(validate):
    errors = errors_of(validate, {"kind": "general", "description": "x" * 5001})
    assert sorted(errors, key=lambda e: e[0]) == [
        ("description", "At most %(max)s characters.", {"max": 5000}),
        ("receiving_office", "This field is required.", {}),
        ("title", "This field is required.", {}),
    ]


@VALIDATORS
def test_unknown_field_is_named(validate):
    assert errors_of(validate, {**GOOD, "priority": "high"}) == [("priority", "Unknown field.", {})]


def test_union_without_kind_asks_for_the_kind():
    body = {k: v for k, v in GOOD.items() if k != "kind"}
    assert errors_of(UNION.validate_python, body) == [("kind", "This field is required.", {})]


def test_union_with_unknown_kind_names_it_and_the_known_ones():
    assert errors_of(UNION.validate_python, {**GOOD, "kind": "lottery"}) == [
        (
            "kind",
            "Unknown kind “%(tag)s”; expected one of: %(expected)s.",
            {
                "tag": "lottery",
                "expected": ", ".join(f"'{code}'" for code in registry().codes),
            },
        )
    ]


def test_plain_model_with_wrong_kind_lists_the_allowed_value():
    assert errors_of(GeneralCaseCreate.model_validate, {**GOOD, "kind": "lottery"}) == [
        ("kind", "Must be one of: %(expected)s.", {"expected": "'general'"})
    ]


@VALIDATORS
@pytest.mark.parametrize("body", [["not", "an", "object"], "text", 42, None])
def test_a_body_that_is_not_an_object_is_reported_on_the_body(validate, body):
    assert errors_of(validate, body) == [("body", "Must be a JSON object.", {})]


def test_unmapped_error_types_fall_back_to_a_generic_message():
    from pydantic import BaseModel, Field

    class Limits(BaseModel):
        count: int = Field(gt=0)

    with pytest.raises(ValidationError) as raised:
        Limits.model_validate({"count": 0})
    [error] = domain_error_from(raised.value).errors
    assert (error.field, error.message, error.params) == ("count", "Invalid value.", {})


def test_a_field_inside_a_list_is_named_by_its_dotted_path_and_index():
    from pydantic import BaseModel

    from service.validation import field_path

    class Period(BaseModel):
        end: str

    class Body(BaseModel):
        periods: list[Period]

    error = errors_of(Body.model_validate, {"periods": [{"end": "2026-01"}, {}]})
    assert [field for field, _message, _params in error] == ["periods[1].end"]
    assert field_path([]) == "body"
    assert field_path(["person", "id_number"]) == "person.id_number"
