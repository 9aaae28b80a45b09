"""The billing flow: a trial becomes active through the sandbox checkout and through a
payment the platform admin records; a failed payment makes it past due."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.billing import services as billing
from app.billing.models import Invoice
from app.core.auth import Actor
from app.core.errors import BadRequest, Forbidden, InvalidTransition, NotFound, ValidationError
from app.core.tenancy import tenant_scope
from app.extensions import db
from app.tenants.models import Tenant
from tests.billing.conftest import NOW


def _owner(biz) -> Actor:
    return Actor.for_user(biz.owner)


def _actions(tenant_id: int) -> list[str]:
    with tenant_scope(tenant_id):
        return list(
            db.session.scalars(select(AuditLog.action).where(AuditLog.tenant_id == tenant_id).order_by(AuditLog.id))
        )


# ------------------------------------------------------------------ service level


def test_sandbox_payment_moves_the_trial_to_active_on_the_paid_plan(biz):
    assert biz.subscription().status == "trial"
    invoice, url = billing.start_checkout(_owner(biz), biz.tenant, "start")
    assert url == f"/billing/sandbox/{invoice.id}"
    assert (invoice.status, invoice.amount, invoice.currency) == ("open", Decimal("9900.00"), "KZT")
    assert biz.subscription().status == "trial"  # nothing changes until the provider says so

    billing.handle_provider_event(_owner(biz), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "pay"})
    db.session.commit()
    sub = biz.subscription()
    assert (sub.status, sub.plan_code, sub.current_period_end) == ("active", "start", NOW + timedelta(days=30))
    assert db.session.get(Tenant, biz.tenant.id).subscription_ends_at == NOW + timedelta(days=30)
    invoice = db.session.scalar(select(Invoice))
    assert (invoice.status, invoice.paid_at, invoice.reference) == ("paid", NOW, f"sandbox-{invoice.id}")
    assert _actions(biz.tenant.id)[-3:] == ["invoice.create", "subscription.active", "invoice.paid"]


def test_failed_sandbox_payment_makes_the_subscription_past_due(biz):
    invoice, _url = billing.start_checkout(_owner(biz), biz.tenant, "pro")
    billing.handle_provider_event(_owner(biz), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "fail"})
    db.session.commit()
    assert biz.subscription().status == "past_due"
    assert db.session.scalar(select(Invoice.status)) == "failed"
    with pytest.raises(InvalidTransition):  # a settled invoice stays settled
        billing.handle_provider_event(_owner(biz), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "pay"})


def test_a_renewal_extends_the_paid_period_from_its_end(biz):
    for _ in range(2):
        invoice, _url = billing.start_checkout(_owner(biz), biz.tenant, "pro")
        billing.handle_provider_event(_owner(biz), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "pay"})
    assert biz.subscription().current_period_end == NOW + timedelta(days=60)


def test_manual_payment_recorded_by_the_admin_activates_the_subscription(biz, create_user):
    admin = Actor.for_user(create_user(None, role="super_admin", email="root@example.com"))
    data = {"plan": "business", "amount": "79800", "reference": "Kaspi 123", "months": "2"}
    invoice = billing.record_manual_payment(admin, biz.tenant, data)
    assert (invoice.status, invoice.provider, invoice.reference) == ("paid", "manual", "Kaspi 123")
    assert invoice.amount == Decimal("79800.00")
    sub = biz.subscription()
    assert (sub.status, sub.plan_code, sub.current_period_end) == ("active", "business", NOW + timedelta(days=60))


def test_only_the_admin_records_payments_and_only_the_owner_checks_out(biz):
    with pytest.raises(Forbidden):
        billing.record_manual_payment(_owner(biz), biz.tenant, {"plan": "pro", "amount": "1", "reference": "x"})
    with pytest.raises(Forbidden):
        billing.start_checkout(Actor.system(), biz.tenant, "pro")


def test_manual_payment_fields_are_validated(biz, create_user):
    admin = Actor.for_user(create_user(None, role="super_admin", email="root@example.com"))
    with pytest.raises(ValidationError) as exc:
        billing.record_manual_payment(
            admin, biz.tenant, {"plan": "gold", "amount": "-1", "reference": "", "months": "0"}
        )
    assert set(exc.value.details) == {"plan", "amount", "reference", "months"}
    assert biz.subscription().status == "trial"


def test_unknown_provider_events_are_refused_not_crashed(biz):
    invoice, _url = billing.start_checkout(_owner(biz), biz.tenant, "pro")
    with pytest.raises(BadRequest):
        billing.handle_provider_event(_owner(biz), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "?"})
    admin = Actor("user", None, "root", "super_admin")
    with pytest.raises(NotFound):  # a sandbox invoice is not the manual provider's
        billing.handle_provider_event(admin, biz.tenant, "manual", {"invoice_id": invoice.id, "reference": "r"})


# ------------------------------------------------------------------------- pages


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_owner_pays_through_the_sandbox_checkout_pages(biz, owner_web):
    page = _text(owner_web.get("/billing"))
    assert "Plan and billing" in page
    assert 'id="subscription-status">Trial<' in page
    assert "1 of 10 active masters" in page  # the trial runs on Pro
    assert "1 of 3 active locations" in page

    resp = owner_web.post("/billing/checkout", data={"plan": "start"})
    assert resp.status_code == 302
    invoice_id = db.session.scalar(select(Invoice.id))
    assert resp.headers["Location"].endswith(f"/billing/sandbox/{invoice_id}")
    checkout = _text(owner_web.get(f"/billing/sandbox/{invoice_id}"))
    assert "Test payment" in checkout and "9,900" in checkout.replace("\xa0", ",").replace(" ", ",")

    resp = owner_web.post(f"/billing/sandbox/{invoice_id}", data={"outcome": "pay"})
    assert resp.status_code == 302
    page = _text(owner_web.get("/billing"))
    assert "The payment went through" in page
    assert 'id="subscription-status">Active<' in page
    assert 'id="plan-name">Start<' in page
    assert "1 of 3 active masters" in page
    assert f'id="invoice-{invoice_id}"' in page and "Paid" in page
    assert biz.subscription().status == "active"


def test_failed_sandbox_payment_shows_overdue_on_the_page(biz, owner_web):
    owner_web.post("/billing/checkout", data={"plan": "pro"})
    invoice_id = db.session.scalar(select(Invoice.id))
    owner_web.post(f"/billing/sandbox/{invoice_id}", data={"outcome": "fail"})
    page = _text(owner_web.get("/billing"))
    assert "The payment did not go through" in page
    assert 'id="subscription-status">Payment overdue<' in page
    assert biz.subscription().status == "past_due"


def test_checkout_of_an_unknown_plan_is_a_message_not_an_error(biz, owner_web):
    resp = owner_web.post("/billing/checkout", data={"plan": "nope"})
    assert resp.status_code == 422
    assert "Choose a plan." in _text(resp)
    assert owner_web.get("/billing/sandbox/999").status_code == 404


def test_the_billing_page_is_in_the_owner_menu_and_russian(biz, owner_web):
    assert 'href="/billing"' in _text(owner_web.get("/"))
    assert owner_web.get("/billing", headers={"Accept-Language": "ru"}).status_code == 200


def test_admin_records_a_manual_payment_on_the_business_page(biz, admin):
    page = _text(admin.get(f"/tenants/{biz.tenant.id}"))
    assert "Record a payment" in page and 'id="admin-plan">Pro<' in page
    resp = admin.post(
        f"/tenants/{biz.tenant.id}/billing/payment",
        data={"plan": "pro", "amount": "19900", "reference": "Bank 77", "months": "1"},
    )
    assert resp.status_code == 302
    page = _text(admin.get(f"/tenants/{biz.tenant.id}"))
    assert "The payment is recorded" in page
    assert 'id="admin-subscription-status">Active<' in page
    assert "Bank 77" in page
    sub = biz.subscription()
    assert (sub.status, sub.plan_code, sub.current_period_end) == ("active", "pro", NOW + timedelta(days=30))
    assert "subscription.active" in _actions(biz.tenant.id)


def test_admin_bad_payment_input_is_a_flash_and_changes_nothing(biz, admin):
    resp = admin.post(
        f"/tenants/{biz.tenant.id}/billing/payment",
        data={"plan": "pro", "amount": "lots", "reference": "", "months": "1"},
    )
    assert resp.status_code == 302
    page = _text(admin.get(f"/tenants/{biz.tenant.id}"))
    assert "Enter an amount" in page
    assert biz.subscription().status == "trial"
    assert admin.post(f"/tenants/{biz.tenant.id}/billing/explode").status_code == 404


def test_admin_changes_the_plan_and_cancels(biz, admin):
    admin.post(f"/tenants/{biz.tenant.id}/billing/plan", data={"plan": "business"})
    assert biz.subscription().plan_code == "business"
    assert "subscription.change_plan" in _actions(biz.tenant.id)
    admin.post(f"/tenants/{biz.tenant.id}/billing/cancel")
    assert biz.subscription().status == "cancelled"


def test_owner_opens_a_manual_invoice_and_the_admin_marks_it_paid(biz, admin, app, owner_web):
    app.config["BILLING_PROVIDER"] = "manual"
    try:
        resp = owner_web.post("/billing/checkout", data={"plan": "business"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/billing")
        invoice_id = db.session.scalar(select(Invoice.id))
        assert f"Invoice {invoice_id} is ready" in _text(owner_web.get("/billing"))
        assert owner_web.get(f"/billing/sandbox/{invoice_id}").status_code == 404  # no sandbox here

        with pytest.raises(Forbidden):  # only the platform speaks for money received outside it
            payload = {"invoice_id": invoice_id, "reference": "x"}
            billing.handle_provider_event(_owner(biz), biz.tenant, "manual", payload)
        page = _text(admin.get(f"/tenants/{biz.tenant.id}"))
        assert "Mark as paid" in page
        url = f"/tenants/{biz.tenant.id}/billing/invoices/{invoice_id}/paid"
        admin.post(url, data={"reference": ""})
        assert "This field is required." in _text(admin.get(f"/tenants/{biz.tenant.id}"))
        assert biz.subscription().status == "trial"
        admin.post(url, data={"reference": "Kaspi 42"})
    finally:
        app.config["BILLING_PROVIDER"] = "sandbox"
    sub = biz.subscription()
    assert (sub.status, sub.plan_code) == ("active", "business")
    assert db.session.scalar(select(Invoice.reference)) == "Kaspi 42"
