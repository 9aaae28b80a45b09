"""The analytics pages: the owner's and manager's numbers from the roll-up, charts with
tables, the period selector, and the platform admin's page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.analytics.services import roll_up_range
from app.core import tenancy
from app.core.templating import money
from app.extensions import db
from app.tenants.models import Location


def _start(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _stat(page: str, key: str) -> str:
    return re.search(rf'id="total-{key}"[^>]*>([^<]*)<', page).group(1)


@pytest.fixture
def history(salon, create_booking, create_master, commit):
    """Week of 30 Nov (Almaty): at the salon's location 2 done, 1 no-show, 1 cancelled; at a
    second location 1 done.  The salon's master works 8 h a day, every day."""
    m, s = salon.master, salon.service
    for day, status in ((1, "completed"), (2, "completed"), (3, "no_show"), (4, "cancelled")):
        create_booking(salon.tenant, m, s, _start(f"2026-12-0{day}T10:00:00+05:00"), status=status)
    with tenancy.tenant_scope(salon.tenant.id):
        other = Location(name="Second", address="x", timezone="Asia/Almaty")
        db.session.add(other)
        db.session.flush()
        far = create_master(salon.tenant, name="Far", services=[s], location=other, hours=())
        create_booking(salon.tenant, far, s, _start("2026-12-01T12:00:00+05:00"), status="completed")
    commit()
    roll_up_range(salon.tenant.id, date(2026, 11, 9), date(2026, 12, 7))
    commit()
    return other


def test_owner_sees_the_business_numbers(app, history, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.get("/analytics")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert _stat(page, "bookings") == "5"
    with app.test_request_context():
        assert _stat(page, "revenue") == money(Decimal("15000"), "KZT")
    assert _stat(page, "cancellation-rate") == "20%"  # 1 of 5
    assert _stat(page, "no-show-rate") == "25%"  # 1 of the 4 kept
    # 4 kept hours booked (the cancelled one is not); the one scheduled master works 8 h on each
    # of the 22 rolled-up days of the period (16 Nov - 7 Dec)
    assert _stat(page, "utilization") == "2.3%"  # 240 / (22 x 480)
    for chart in ("chart-bookings", "chart-revenue", "chart-utilization", "chart-rates"):
        block = page[page.index(f'id="{chart}"') :]
        block = block[: block.index("</table>")]
        assert '<svg class="chart"' in block and "<table" in block  # every chart with its table
    assert page.count('<svg class="chart"') >= 4 + 6
    for section in ("by-location", "by-master", "by-service"):
        assert f'id="{section}"' in page
    assert "Second" in page and "Far" in page and "Haircut" in page
    assert "<script>" not in page.split("<main", 1)[1]  # nothing inline for the CSP to block


def test_period_selector(history, login):
    c = login("owner", "anna", "owner@example.com")
    four = c.get("/analytics").get_data(as_text=True)
    eight = c.get("/analytics?weeks=8").get_data(as_text=True)
    weekly = four[four.index('id="chart-bookings"') :]
    assert weekly[: weekly.index("</table>")].count("<tr>") == 1 + 4
    weekly8 = eight[eight.index('id="chart-bookings"') :]
    assert weekly8[: weekly8.index("</table>")].count("<tr>") == 1 + 8
    assert c.get("/analytics?weeks=1000").status_code == 200
    assert c.get("/analytics?weeks=abc&location_id=zz").status_code == 200


def test_owner_can_narrow_to_a_location(history, login):
    page = (
        login("owner", "anna", "owner@example.com").get(f"/analytics?location_id={history.id}").get_data(as_text=True)
    )
    assert _stat(page, "bookings") == "1"


def test_manager_sees_their_location_only(history, login):
    page = login("manager", "anna", "manager@example.com").get("/analytics").get_data(as_text=True)
    assert _stat(page, "bookings") == "4"
    assert "Far" not in page
    other = login("manager", "anna", "manager@example.com").get(f"/analytics?location_id={history.id}")
    assert _stat(other.get_data(as_text=True), "bookings") == "4"  # the parameter cannot widen the scope


def test_master_has_no_analytics(history, login):
    assert login("master", "anna", "aigerim@example.com").get("/analytics").status_code == 404


def test_empty_business_renders(salon, login):
    page = login("owner", "anna", "owner@example.com").get("/analytics").get_data(as_text=True)
    assert _stat(page, "bookings") == "0"
    assert _stat(page, "utilization") == "—"


def test_admin_platform_analytics(history, create_tenant, create_user, host_client, commit):
    from app.notifications.models import Notification

    create_tenant("waiting", status="pending")
    create_user(None, role="super_admin", email="root@example.com")
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    for i, status in enumerate(("sent", "sent", "sent", "failed")):
        db.session.add(
            Notification(
                channel="sms",
                recipient="+77015550000",
                template="booking_confirmed",
                dedupe_key=f"k{i}",
                status=status,
                sent_at=now - timedelta(hours=1) if status == "sent" else None,
                created_at=now - timedelta(hours=2),
                updated_at=now - timedelta(hours=1),
            )
        )
    commit()
    c = host_client("admin")
    assert c.post("/login", data={"email": "root@example.com", "password": "password123"}).status_code == 302
    resp = c.get("/analytics")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    statuses = page[page.index('id="chart-statuses"') :]
    assert re.search(r"Active</th><td>1<", statuses) and re.search(r"Pending</th><td>1<", statuses)
    bookings = page[page.index('id="chart-bookings"') :]
    bookings = bookings[: bookings.index("</table>")]
    assert re.search(r"30 Nov</th><td>5</td><td>3</td><td>1</td><td>1</td>", bookings)
    messages = page[page.index('id="chart-notifications"') :]
    messages = messages[: messages.index("</table>")]
    assert re.search(r"7 Dec</th><td>3</td><td>1</td>", messages)
    assert 'href="/analytics"' in c.get("/").get_data(as_text=True)  # in the admin menu
