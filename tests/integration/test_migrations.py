"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import Settings
from service.cli import upgrade_database
from service.models import metadata


def _differences(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


@pytest.mark.services
def test_migrations_match_the_models_on_postgresql(pg_database: Settings):
    assert _differences(pg_database.sqlalchemy_url) == []


def test_migrations_match_the_models_on_sqlite(tmp_path):
    settings = Settings(instance_path=tmp_path, _env_file=None)
    upgrade_database(settings)
    upgrade_database(settings)  # running it again changes nothing
    assert _differences(settings.sqlalchemy_url) == []
