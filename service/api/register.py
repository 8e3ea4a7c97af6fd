"""Collect every feature's API routes on the one blueprint."""

from service.accounts import api as _accounts_api  # noqa: F401
from service.api import openapi
from service.api.core import bp
from service.attachments import api as _attachments_api  # noqa: F401
from service.cases import api as _cases_api  # noqa: F401
from service.notifications import api as _notifications_api  # noqa: F401
from service.offices import api as _offices_api  # noqa: F401
from service.progress import api as _progress_api  # noqa: F401
from service.transfers import api as _transfers_api  # noqa: F401

__all__ = ["bp", "openapi"]
