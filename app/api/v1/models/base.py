"""The base classes and shared literal types of the API models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from app.catalog.models import PERMISSIONS
from app.core.i18n import SUPPORTED

OMIT: Any = None  # optional request field (absent -> not in the validated data)

Role = Literal["super_admin", "owner", "manager", "master", "client"]
TenantStatus = Literal["pending", "active", "rejected", "suspended"]
BookingStatus = Literal["pending", "confirmed", "cancelled", "completed", "no_show"]
RequestStatus = Literal["pending", "approved", "denied"]
Permission = Literal[PERMISSIONS]  # type: ignore[valid-type]
Language = Literal[SUPPORTED]  # type: ignore[valid-type]


class Out(BaseModel):
    """A response object (documentation; the serializers build the JSON)."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A JSON request body: strict JSON types, unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Query(BaseModel):
    """A query string: values are strings, converted to the declared types."""

    model_config = ConfigDict(extra="ignore")
