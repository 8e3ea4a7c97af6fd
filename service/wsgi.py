"""WSGI entry point for gunicorn: ``gunicorn service.wsgi:app``."""

from service import serving_app

app = serving_app()
