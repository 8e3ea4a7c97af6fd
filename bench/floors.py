"""The floors the service is measured against, served the same way (gunicorn, same workers):
a plain Flask JSON answer, and one ORM insert per request into the same PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, request
from sqlmodel import Field, Session, SQLModel, create_engine


class BenchRow(SQLModel, table=True):
    __tablename__ = "bench_floor_row"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    created_at: datetime


def create_floor_app() -> Flask:
    app = Flask(__name__)
    url = os.environ.get("BENCH_DATABASE_URL")
    engine = create_engine(url, pool_size=5, max_overflow=10) if url else None

    @app.get("/json")
    def plain_json():
        return {"status": "ok", "items": [1, 2, 3]}

    @app.post("/insert")
    def insert():
        body = request.get_json()
        with Session(engine) as session:
            row = BenchRow(title=body["title"], created_at=datetime.now(UTC))
            session.add(row)
            session.commit()
            return {"id": row.id}, 201

    return app
