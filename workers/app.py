"""The Celery app the ``celery`` command loads, configured from the environment.

celery -A workers.app worker --beat
"""

from workers.factory import make_worker_app

app = make_worker_app()
