"""Builds the Celery app. Every task runs inside a Flask app context (pushed only when none
exists), so it uses the same session handling and service functions as the web process."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context

from config import get_settings
from service import worker_app
from service.broker import configure_celery


def make_worker_app(flask_app: Flask | None = None) -> Celery:
    settings = flask_app.config["REFERRAL"] if flask_app is not None else get_settings()
    celery = Celery("referral")
    configure_celery(celery, settings)
    flask_app = flask_app or worker_app(settings, celery=celery)
    flask_app.extensions["celery"] = celery

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            if has_app_context():
                return self.run(*args, **kwargs)
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery.Task = FlaskTask
    celery.set_default()
    celery.flask_app = flask_app
    import workers.deadlines  # noqa: F401  - registers the shared tasks
    import workers.tasks  # noqa: F401

    return celery
