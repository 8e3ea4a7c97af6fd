"""Every table, imported once so SQLModel.metadata is complete (migrations, tests)."""

from sqlmodel import SQLModel

from service.accounts.models import ApiToken, User, UserSession
from service.api.models import IdempotencyRecord
from service.attachments.models import CaseAttachment
from service.audit.models import AuditEntry
from service.calendar.models import CalendarOverride
from service.cases.models import Case, CaseCounter, CaseEvent, CaseParty
from service.notifications.models import Delivery, Notification, WebhookEndpoint
from service.offices.models import Agreement, Office
from service.outbox.models import Job
from service.registrations.models import RegistrationCase
from service.retirees.models import RetireeCase
from service.sla.models import AckAlert, CaseClock, ClockAlert, ClockExtension
from service.transfers.models import TransferBatch, TransferBatchRow, TransferCase

metadata = SQLModel.metadata

__all__ = [
    "Agreement",
    "ApiToken",
    "AuditEntry",
    "CalendarOverride",
    "Case",
    "CaseAttachment",
    "CaseCounter",
    "CaseEvent",
    "CaseParty",
    "AckAlert",
    "CaseClock",
    "ClockAlert",
    "ClockExtension",
    "Delivery",
    "IdempotencyRecord",
    "Job",
    "Notification",
    "Office",
    "RetireeCase",
    "RegistrationCase",
    "TransferBatch",
    "TransferBatchRow",
    "TransferCase",
    "User",
    "UserSession",
    "WebhookEndpoint",
    "metadata",
]
