"""Payment providers: how an invoice gets paid, behind one small interface.

A provider opens a checkout for an invoice (where to send the payer, if anywhere) and turns
what it is told about a payment into a :class:`PaymentEvent`.  It never changes a
subscription: :func:`app.billing.services.apply_payment` does, in one place, for every
provider.

* ``manual`` -- the platform admin records a payment received by bank transfer or in cash;
  there is no checkout page.
* ``sandbox`` -- a pretend checkout for tests and development: ``pay`` succeeds, ``fail``
  fails, deterministically.  Production refuses it (app.config).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.billing.models import Invoice
from app.core.errors import BadRequest

PAID, FAILED = "paid", "failed"


@dataclass(frozen=True)
class PaymentEvent:
    """What a provider says happened to one invoice."""

    invoice_id: int
    outcome: str  # PAID | FAILED
    reference: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start_checkout(self, invoice: Invoice) -> str | None:
        """Where to send the payer for ``invoice``: a URL, or a path on the owner's dashboard
        (None: nowhere, the payment comes another way)."""

    def handle(self, payload: dict) -> PaymentEvent:
        """The provider's notice about a payment, as an event (BadRequest if it makes no sense)."""


def _invoice_id(payload: dict) -> int:
    raw = str(payload.get("invoice_id") or "")
    if not raw.isdigit() or len(raw) > 9:
        raise BadRequest()
    return int(raw)


class ManualProvider:
    name = "manual"

    def start_checkout(self, invoice: Invoice) -> str | None:
        return None

    def handle(self, payload: dict) -> PaymentEvent:
        return PaymentEvent(_invoice_id(payload), PAID, (payload.get("reference") or "").strip() or None)


class SandboxProvider:
    name = "sandbox"
    OUTCOMES = {"pay": PAID, "fail": FAILED}

    def start_checkout(self, invoice: Invoice) -> str | None:
        # The pretend checkout is a page of the owner's dashboard (app.web.owner.billing).
        return f"/billing/sandbox/{invoice.id}"

    def handle(self, payload: dict) -> PaymentEvent:
        outcome = self.OUTCOMES.get(str(payload.get("outcome") or ""))
        if outcome is None:
            raise BadRequest()
        invoice_id = _invoice_id(payload)
        return PaymentEvent(invoice_id, outcome, f"sandbox-{invoice_id}")


PROVIDERS: dict[str, type] = {"manual": ManualProvider, "sandbox": SandboxProvider}


def get_provider(name: str) -> PaymentProvider:
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise ValueError(f"unknown billing provider {name!r}") from None
