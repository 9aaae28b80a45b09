"""The demo business used by ``make run`` and screenshots: a believable Almaty/Astana salon.

:func:`seed` writes it; what it says (services, masters, locations, clients, notes in three
languages) is in :mod:`app.demo.data`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accounts.models import Client, ClientNote, User
from app.analytics.services import roll_up_range
from app.billing import services as billing
from app.bookings.models import Booking
from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.core.auth import hash_password
from app.core.tenancy import tenant_scope
from app.core.types import utcnow
from app.demo.data import (
    BUSINESS_DESCRIPTION,
    BUSINESS_NAME,
    CLIENT_NAMES,
    DEFAULT_LANGUAGE,
    LOCATIONS,
    MASTERS,
    NOTES,
    SERVICES,
    columns,
)
from app.extensions import db
from app.scheduling.models import TimeOff, WorkingHours
from app.tenants.models import Location, Tenant

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- the published demo login

#: Days of past visits the demo has (a month and a bit, so 4 whole weeks show in analytics).
HISTORY_DAYS = 35


def _at(day: date, hhmm: str, tz: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), ZoneInfo(tz))


def seed(subdomain: str = "demo") -> str:
    rng = random.Random(42)
    password_hash = hash_password(DEMO_PASSWORD)  # one bcrypt run for every demo login (same password)
    now = utcnow()
    tenant = Tenant(
        subdomain=subdomain,
        status="active",
        currency="KZT",
        default_language=DEFAULT_LANGUAGE,
        timezone="Asia/Almaty",
        languages=["ru", "kk", "en"],
        **columns(name=BUSINESS_NAME, description=BUSINESS_DESCRIPTION),
        approved_at=now,
        trial_ends_at=now + timedelta(days=14),
        email=f"owner@{subdomain}.example",
    )
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant.id):
        billing.ensure_subscription(tenant)  # its trial, on the trial plan (app.billing)
        locations = [
            Location(phone=phone, timezone="Asia/Almaty", **columns(name=name, address=address))
            for name, address, phone in LOCATIONS
        ]
        db.session.add_all(locations)
        db.session.flush()
        db.session.add_all(
            [
                User(
                    email=f"owner@{subdomain}.example",
                    name="Gaukhar Saparova",
                    role="owner",
                    tenant_id=tenant.id,
                    password_hash=password_hash,
                    language="ru",
                ),
                User(
                    email=f"manager@{subdomain}.example",
                    name="Alina Kim",
                    role="manager",
                    tenant_id=tenant.id,
                    location_id=locations[0].id,
                    password_hash=password_hash,
                    language="ru",
                ),
            ]
        )
        services = []
        for name, minutes, buffer, price, desc in SERVICES:
            s = Service(
                duration_minutes=minutes,
                buffer_minutes=buffer,
                price=Decimal(price),
                currency="KZT",
                **columns(name=name, description=desc),
            )
            services.append(s)
        db.session.add_all(services)
        db.session.flush()
        for s in services:
            for loc in locations:
                db.session.add(ServiceLocation(service_id=s.id, location_id=loc.id))
        masters = []
        for name, login, spec, loc_i, svc_is in MASTERS:
            user = User(
                email=f"{login}@{subdomain}.example",
                name=name[DEFAULT_LANGUAGE],
                role="master",
                tenant_id=tenant.id,
                location_id=locations[loc_i].id,
                password_hash=password_hash,
                language="kk" if login in ("aigerim", "yerlan") else "ru",
            )
            db.session.add(user)
            db.session.flush()
            m = Master(
                **columns(name=name, specialization=spec),
                location_id=locations[loc_i].id,
                user_id=user.id,
                email=user.email,
                permissions=["see_client_phones"] if login == "aigerim" else [],
            )
            db.session.add(m)
            db.session.flush()
            for i in svc_is:
                db.session.add(MasterService(master_id=m.id, service_id=services[i].id))
            # Mon-Fri 10-14 and 15-19 (a lunch break), Saturday 10-16, Sunday off.
            for wd in range(5):
                db.session.add(WorkingHours(master_id=m.id, weekday=wd, start_time=time(10), end_time=time(14)))
                db.session.add(WorkingHours(master_id=m.id, weekday=wd, start_time=time(15), end_time=time(19)))
            db.session.add(WorkingHours(master_id=m.id, weekday=5, start_time=time(10), end_time=time(16)))
            masters.append((m, [services[i] for i in svc_is]))
        db.session.flush()

        today = now.astimezone(ZoneInfo("Asia/Almaty")).date()
        vacation = today + timedelta(days=10)
        db.session.add(
            TimeOff(
                master_id=masters[2][0].id,
                reason="Vacation",
                start_at=_at(vacation, "00:00", "Asia/Almaty"),
                end_at=_at(vacation + timedelta(days=3), "00:00", "Asia/Almaty"),
            )
        )
        db.session.add(
            TimeOff(
                master_id=masters[0][0].id,
                reason="Doctor's appointment",
                start_at=_at(today + timedelta(days=2), "15:00", "Asia/Almaty"),
                end_at=_at(today + timedelta(days=2), "17:00", "Asia/Almaty"),
            )
        )

        clients = [
            Client(
                phone=f"+7701{5550000 + i:07d}",
                name=n,
                language=rng.choice(["ru", "ru", "kk", "kk", "en"]),
                email=f"client{i + 1}@mail.example" if i % 3 == 0 else None,
                created_at=now - timedelta(days=rng.randint(35, 400)),
            )
            for i, n in enumerate(CLIENT_NAMES)
        ]
        db.session.add_all(clients)
        db.session.flush()
        # Regulars come back every week or two; the rest now and then.
        weights = [6 if i < 8 else 2 if i < 20 else 1 for i in range(len(clients))]

        count = 0
        taken: set[tuple[int, datetime]] = set()
        for m, offered in masters:
            tz = m.location.timezone
            for offset in range(-HISTORY_DAYS, 15):
                day = today + timedelta(days=offset)
                if day.weekday() == 6 or (offset > 0 and rng.random() < 0.3):
                    continue
                starts = ("10:00", "12:00") if day.weekday() == 5 else ("10:00", "12:00", "15:00", "17:00")
                free_from = None
                for start in starts:
                    start_at = _at(day, start, tz)
                    if free_from is not None and start_at < free_from:
                        continue  # the previous visit (a long colouring) is still going on
                    if rng.random() < (0.4 if offset < 0 else 0.45):
                        continue
                    long_ok = start in ("10:00", "15:00") and day.weekday() < 5
                    svc = rng.choice([s for s in offered if s.duration_minutes <= 90 or long_ok] or offered)
                    end_at = start_at + timedelta(minutes=svc.duration_minutes)
                    block_end = end_at + timedelta(minutes=svc.buffer_minutes)
                    free_from = block_end
                    if start_at.astimezone(UTC) < now:
                        status = rng.choices(["completed", "no_show", "cancelled"], [82, 6, 12])[0]
                    elif start_at.astimezone(UTC) < now + timedelta(hours=2):
                        continue
                    else:
                        status = rng.choices(["confirmed", "cancelled"], [92, 8])[0]
                    client_id = rng.choices(clients, weights)[0].id
                    while (client_id, start_at) in taken:  # never two visits of one client at one time
                        client_id = rng.choice(clients).id
                    taken.add((client_id, start_at))
                    created = min(now, start_at.astimezone(UTC)) - timedelta(
                        days=rng.randint(1, 10), hours=rng.randint(0, 9)
                    )
                    db.session.add(
                        Booking(
                            location_id=m.location_id,
                            master_id=m.id,
                            service_id=svc.id,
                            client_id=client_id,
                            status=status,
                            start_at=start_at,
                            end_at=end_at,
                            block_end_at=block_end,
                            local_start=start_at.replace(tzinfo=None),
                            timezone=tz,
                            duration_minutes=svc.duration_minutes,
                            buffer_minutes=svc.buffer_minutes,
                            price=svc.price,
                            currency=svc.currency,
                            source=rng.choice(["public", "public", "staff"]),
                            created_at=created,
                            # Marked a little after the visit, and not within the undo window of now.
                            updated_at=max(
                                created,
                                min(end_at.astimezone(UTC) + timedelta(minutes=10), now - timedelta(minutes=15)),
                            ),
                            cancelled_by=rng.choice(["client", "client", "staff"]) if status == "cancelled" else None,
                        )
                    )
                    count += 1
        db.session.flush()

        owner, manager = (
            db.session.scalar(select(User).where(User.tenant_id == tenant.id, User.role == role))
            for role in ("owner", "manager")
        )
        for client_i, author, days_ago, text in NOTES:
            db.session.add(
                ClientNote(
                    client_id=clients[client_i].id,
                    text=text,
                    author_user_id=(owner if author == "owner" else manager).id,
                    author_name=(owner if author == "owner" else manager).name,
                    created_at=now - timedelta(days=days_ago, hours=rng.randint(0, 8)),
                )
            )
        db.session.flush()

    # The analytics pages read the daily roll-up: fill it for the month of history and today.
    roll_up_range(tenant.id, today - timedelta(days=HISTORY_DAYS + 1), today)
    return (
        f"2 locations, {len(services)} services, {len(masters)} masters, {len(clients)} clients, "
        f"{count} bookings, {len(NOTES)} client notes"
    )
