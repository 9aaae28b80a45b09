"""GET /api/v1/billing: the owner's plan, subscription, usage and invoices, as documented."""

from __future__ import annotations

from app.billing import services as billing
from app.core.auth import Actor
from tests.api.conftest import api, openapi_doc  # noqa: F401


def test_owner_reads_the_billing_state(biz, api, owner_token):  # noqa: F811
    invoice, _url = billing.start_checkout(Actor.for_user(biz.owner), biz.tenant, "start")
    billing.handle_provider_event(
        Actor.for_user(biz.owner), biz.tenant, "sandbox", {"invoice_id": invoice.id, "outcome": "pay"}
    )
    from app.extensions import db

    db.session.commit()
    status, data, _ = api.get("/billing", token=owner_token, headers={"Accept-Language": "ru"})
    assert status == 200, data
    sub = data["subscription"]
    assert (sub["status"], sub["plan"]["code"], sub["plan"]["price"]) == ("active", "start", "9900.00")
    assert sub["current_period_end"].endswith("+05:00")
    assert {u["kind"]: (u["used"], u["limit"]) for u in data["usage"]} == {
        "locations": (1, 1),
        "masters": (1, 3),
        "monthly_bookings": (0, 300),
    }
    assert [(i["status"], i["amount"]) for i in data["invoices"]] == [("paid", "9900.00")]
    assert [p["code"] for p in data["plans"]] == ["start", "pro", "business"]


def test_only_the_owner_reads_billing(biz, api, create_user, commit):  # noqa: F811
    create_user(biz.tenant, role="master", email="m@example.com")
    commit()
    _s, login, _r = api.post("/login", json={"email": "m@example.com", "password": "password123"})
    status, data, _ = api.get("/billing", token=login["access_token"])
    assert status == 403 and data["error"] == "forbidden"
    status, data, _ = api.get("/billing")
    assert status == 401
