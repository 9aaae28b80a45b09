"""Field rules of the catalogue: services, masters, permission requests (see app.core.fields)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.core.fields import rule

#: Services and masters share one name rule.
NAME = rule("catalog.name", required=True, max_length=200, message=_l("Enter a name (up to 200 characters)."))
SERVICE_DESCRIPTION = rule("catalog.service_description", max_length=2000)
DURATION_MINUTES = rule("catalog.duration_minutes", kind="int", required=True, ge=5, le=720)
BUFFER_MINUTES = rule("catalog.buffer_minutes", kind="int", ge=0, le=240, description="Kept free after each booking.")
#: The price column is numeric(12, 2).
PRICE = rule(
    "catalog.price",
    kind="decimal",
    required=True,
    ge=Decimal(0),
    le=Decimal("9999999999.99"),
    places=2,
    message=_l("Enter a price from 0 to 9999999999.99 with at most two decimals, for example 5000.00."),
    description="A decimal string in major units.",
    examples=("5000.00",),
)
SPECIALIZATION = rule("catalog.specialization", max_length=200)
PERMISSION_REASON = rule("catalog.permission_reason", max_length=1000)

#: The texts with a version per language (``app.core.translations``), with their rules.
SERVICE_TEXTS = {"name": NAME, "description": SERVICE_DESCRIPTION}
MASTER_TEXTS = {"name": NAME, "specialization": SPECIALIZATION}
