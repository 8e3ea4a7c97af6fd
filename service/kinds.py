"""Every case kind the service handles, registered once. A new kind is its own folder under
``service/`` and one line here."""

from service.cases.kinds import REGISTRY
from service.general.kind import KIND as GENERAL
from service.registrations.kind import KIND as REGISTRATION
from service.retirees.kind import KIND as RETIREE
from service.transfers.kind import KIND as TRANSFER

REGISTRY.register(GENERAL)
REGISTRY.register(REGISTRATION)
REGISTRY.register(RETIREE)
REGISTRY.register(TRANSFER)
