"""The platform admin's pages: a business's details before approval, suspend with a reason and
a confirmation step, the Outbox filters and labels, and the audit log as readable changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.extensions import db
from app.notifications.models import Notification
from app.tenants.models import Tenant


@pytest.fixture
def pending(create_tenant, create_user, create_service, commit):
    tenant = create_tenant("nova", name="Nova Studio", status="pending", email="hello@nova.kz", phone="+77015550101")
    create_user(tenant, role="owner", email="dana@nova.kz", name="Dana Owner", phone="+77015550202")
    create_service(tenant, name="Manicure", duration=60, price="7000")
    commit()
    return tenant


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _rows(resp) -> str:
    """The table body only (the filters' options name every action too)."""
    page = _text(resp)
    return page[page.find("<tbody>") : page.rfind("</tbody>")] if "<tbody>" in page else ""


def _status(tenant_id: int) -> tuple[str, str | None]:
    db.session.expire_all()
    t = db.session.get(Tenant, tenant_id)
    return t.status, t.status_reason


def test_details_page_shows_the_owner_contact_and_set_up_before_approval(admin, pending):
    page = _text(admin.get(f"/tenants/{pending.id}"))
    for expected in ("Nova Studio", "Dana Owner", "dana@nova.kz", "+77015550202", "hello@nova.kz", "nova"):
        assert expected in page
    # Counts: one location (the factory's), one service, no masters.
    counts = dict(re.findall(r"<dt>(Locations|Services|Masters)</dt><dd>(\d+)</dd>", page))
    assert counts == {"Locations": "1", "Services": "1", "Masters": "0"}
    assert "UTC" in page and "None" not in page
    # The list links to it.
    assert f'href="/tenants/{pending.id}"' in _text(admin.get("/?status=pending"))


def test_approve_and_reject_from_the_details_page(admin, pending, create_tenant, commit):
    r = admin.post(f"/tenants/{pending.id}/approve", data={"back": "detail"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tenants/{pending.id}")
    assert _status(pending.id) == ("active", None)
    assert "Nova Studio is approved" in _text(admin.get(f"/tenants/{pending.id}"))

    other = create_tenant("late", name="Late Salon", status="pending")
    commit()
    assert admin.post(f"/tenants/{other.id}/reject", data={"back": "detail", "reason": ""}).status_code == 302
    assert _status(other.id) == ("pending", None)  # a rejection needs its reason
    admin.post(f"/tenants/{other.id}/reject", data={"back": "detail", "reason": "No such address"})
    assert _status(other.id) == ("rejected", "No such address")
    assert "No such address" in _text(admin.get(f"/tenants/{other.id}"))


def test_suspend_asks_for_a_reason_on_a_confirmation_page_and_audits_it(admin, create_tenant, commit):
    t = create_tenant("busy", name="Busy Salon")
    commit()
    listing = _text(admin.get("/?status=active"))
    # The list offers a link to the confirmation page, not a one-click suspend button.
    assert f'href="/tenants/{t.id}/suspend"' in listing
    assert f'action="/tenants/{t.id}/suspend"' not in listing

    confirm = _text(admin.get(f"/tenants/{t.id}/suspend"))
    assert "Suspend Busy Salon?" in confirm and 'name="reason" required' in confirm

    r = admin.post(f"/tenants/{t.id}/suspend", data={"reason": "  "})
    assert r.status_code == 400 and "Write why the business is suspended." in _text(r)
    assert _status(t.id) == ("active", None)

    r = admin.post(f"/tenants/{t.id}/suspend", data={"reason": "Unpaid invoice", "back": "detail"})
    assert r.status_code == 302
    assert _status(t.id) == ("suspended", "Unpaid invoice")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "tenant.suspended"))
    assert entry.after["status_reason"] == "Unpaid invoice"
    page = _text(admin.get(f"/tenants/{t.id}"))
    assert "Unpaid invoice" in page and "Business suspended" in page
    # Shown readable, not as the raw snapshot.
    assert "{&#39;status&#39;" not in page and "{'status'" not in page
    assert "<strong>Status:</strong> <del>Active</del> → <ins>Suspended</ins>" in page


def _message(tenant, *, channel="email", status="sent", template="booking_created", recipient=None, body="Hi"):
    n = Notification(
        tenant_id=tenant.id if tenant else None,
        channel=channel,
        recipient=recipient or ("+77015550000" if channel == "sms" else "c@example.com"),
        language="en",
        template=template,
        payload={},
        dedupe_key=f"{template}:{recipient}:{channel}:{status}:{tenant.id if tenant else 0}",
        status=status,
        attempts=3 if status == "failed" else 1,
        subject=None if channel == "sms" else "Your booking",
        body=body,
    )
    db.session.add(n)
    db.session.flush()
    return n


def test_outbox_filters_by_channel_status_and_business_with_readable_labels(admin, create_tenant, commit):
    a, b = create_tenant("alpha", name="Alpha"), create_tenant("beta", name="Beta")
    _message(a, channel="sms", recipient="+77010000001", template="booking_reminder", body="Reminder: haircut at 10:00")
    _message(a, channel="email", recipient="one@alpha.kz", status="failed", body="A long email " + "word " * 200)
    _message(b, channel="email", recipient="two@beta.kz", template="tenant_approved")
    commit()
    page = _text(admin.get("/outbox"))
    # SMS text is on the page without opening anything; template ids are named in words.
    assert '<p class="outbox-body sms-text">Reminder: haircut at 10:00</p>' in page
    assert "Booking reminder" in page and "Business approved" in page and ">booking_reminder<" not in page
    assert "UTC" in page

    sms = _text(admin.get("/outbox?channel=sms"))
    assert "+77010000001" in sms and "one@alpha.kz" not in sms and "two@beta.kz" not in sms
    alpha = _text(admin.get(f"/outbox?business={a.id}"))
    assert "+77010000001" in alpha and "one@alpha.kz" in alpha and "two@beta.kz" not in alpha
    failed_alpha = _text(admin.get(f"/outbox?business={a.id}&status=failed&channel=email"))
    assert "one@alpha.kz" in failed_alpha and "+77010000001" not in failed_alpha
    assert 'action="/outbox/' in failed_alpha  # the failed one can be sent again
    # Junk in the filters is ignored, never a 500.
    assert admin.get("/outbox?business=abc&channel=fax&page=x").status_code == 200


def test_resend_a_failed_message_from_the_outbox(admin, create_tenant, commit):
    t = create_tenant("gamma", name="Gamma")
    n = _message(t, status="failed", recipient="x@gamma.kz")
    commit()
    r = admin.post(f"/outbox/{n.id}/resend", data={"back": "/outbox?status=failed"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, n.id).status in ("queued", "sending", "sent")
    assert "The message is queued to be sent again." in _text(admin.get("/outbox"))


def test_audit_log_reads_as_changes_and_filters(admin, create_tenant, commit, create_user):
    a, b = create_tenant("delta", name="Delta"), create_tenant("omega", name="Omega")
    commit()
    admin.post(f"/tenants/{a.id}/extend-trial", data={"days": "10", "back": "active"})
    admin.post(f"/tenants/{b.id}/suspend", data={"reason": "Spam"})
    old = AuditLog(
        tenant_id=b.id,
        actor_type="user",
        actor_label="owner@omega.kz",
        action="tenant.update_settings",
        object_type="tenant",
        object_id=b.id,
        before={"name": "Omega", "require_confirmation": False, "languages": ["en"]},
        after={"name": "Omega Studio", "require_confirmation": True, "languages": ["en", "ru"]},
        created_at=datetime(2025, 1, 5, 10, 0, tzinfo=UTC),
    )
    db.session.add(old)
    commit()

    page = _text(admin.get("/audit"))
    assert "Settings changed" in page and "Trial extended" in page and "Business suspended" in page
    assert "<strong>Name:</strong> <del>Omega</del> → <ins>Omega Studio</ins>" in page
    assert "<strong>Bookings need confirmation:</strong> <del>No</del> → <ins>Yes</ins>" in page
    assert "<del>en</del> → <ins>en, ru</ins>" in page
    assert "{&#39;" not in page and "None" not in page and "UTC" in page

    only_b = _rows(admin.get(f"/audit?business={b.id}"))
    assert "Business suspended" in only_b and "Trial extended" not in only_b
    by_actor = _rows(admin.get("/audit?actor=OWNER@omega"))
    assert "Settings changed" in by_actor and "Business suspended" not in by_actor
    by_action = _rows(admin.get("/audit?action=tenant.extend_trial"))
    assert "Trial extended" in by_action and "Settings changed" not in by_action
    in_2025 = _rows(admin.get("/audit?from=2025-01-01&to=2025-01-31"))
    assert "Settings changed" in in_2025 and "Business suspended" not in in_2025
    assert "Settings changed" not in _rows(admin.get("/audit?from=2025-01-06"))
    assert admin.get("/audit?from=yesterday&business=%27&page=-3").status_code == 200


def test_flash_after_extending_a_trial_names_the_date_in_the_admins_language(admin, create_tenant, commit):
    t = create_tenant("eps", name="Eps", trial_ends_at=datetime(2030, 3, 1, 12, 0, tzinfo=UTC))
    commit()
    admin.post(f"/tenants/{t.id}/extend-trial", data={"days": "10", "back": "active"})
    assert "The trial of Eps now ends on March 11, 2030." in _text(admin.get("/?status=active"))
