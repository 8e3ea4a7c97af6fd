"""Celery workers: the app configured from ``config`` and tasks that call service functions."""
