"""The general request's create data: it has no columns beyond the case's own."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from service.cases.models import Description, OfficeCode, Title


class GeneralCaseCreate(BaseModel):
    """一般协办事项: a matter one office asks another to handle."""

    model_config = ConfigDict(extra="forbid", title="GeneralCaseCreate")
    kind: Literal["general"]
    receiving_office: OfficeCode
    title: Title
    description: Description = ""
