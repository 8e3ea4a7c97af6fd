"""Every table, imported once so SQLModel.metadata is complete (migrations, tests)."""

from sqlmodel import SQLModel

from service.accounts.models import ApiToken, LoginFailure, User
from service.api.models import IdempotencyRecord
from service.audit.models import AuditEntry
from service.cases.models import Case, CaseCounter, CaseEvent, CaseParty
from service.notifications.models import Delivery, Notification
from service.offices.models import Agreement, Office

metadata = SQLModel.metadata

__all__ = [
    "Agreement",
    "ApiToken",
    "AuditEntry",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseParty",
    "Delivery",
    "IdempotencyRecord",
    "LoginFailure",
    "Notification",
    "Office",
    "User",
    "metadata",
]
