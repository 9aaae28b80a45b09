"""Field rules of payments the platform admin records (see app.core.fields).

Built with :class:`Rule` itself rather than :func:`app.core.fields.rule`: only the admin
panel's form takes them (no API field), so they are not in the registry that
tests/api/test_rules_agree.py binds to forms and API fields.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.core.fields import Rule

AMOUNT = Rule(
    "billing.amount",
    kind="decimal",
    required=True,
    ge=Decimal(0),
    le=Decimal("9999999999.99"),
    places=2,
    message=_l("Enter an amount from 0 to 9999999999.99 with at most two decimals, for example 19900.00."),
)
REFERENCE = Rule("billing.reference", required=True, max_length=200)
MONTHS = Rule("billing.months", kind="int", required=True, ge=1, le=36)
