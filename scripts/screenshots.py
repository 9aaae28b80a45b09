"""`make screenshots`: every staff page and every public page, in en/ru/kk, on a desktop and a
phone, as PNG files to look at before saying a page is done.

Starts the app like `make run` does (a fresh SQLite database and the embedded Redis in a
temporary instance directory, migrated and seeded with the demo), signs in once per role and
browser context (the login limit is 5 a minute per account), switches the language with
``?lang=`` and saves ``screenshots/<lang>/<viewport>/<role>-<page>.png``.  Pages that answer
with an error are listed in the summary at the end; they do not stop the run.

To add a page, add a line to PAGES.  ``path`` may use the placeholders filled in by
``lookups()`` ({master_id}, {service_id}, {location_id}, {client_id}, {booking_id},
{tenant_id}, {pending_tenant_id}, {today}, {tomorrow}, {slot}); a page whose placeholder has
no value in the demo data is reported as skipped.  ``action`` names a function in ACTIONS
that runs on the loaded page before the screenshot (e.g. typing a phone number to reach the
code step).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

LANGS = ("en", "ru", "kk")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ADMIN = ("admin@example.com", "admin12345")
DEMO_PASSWORD = "demo12345"  # noqa: S105 -- the demo seed's password, printed by make run
#: role -> (host prefix before the platform domain, login email, password); None: no login.
ROLES = {
    "main": ("", None, None),
    "public": ("demo.", None, None),
    "owner": ("owner.demo.", "owner@demo.example", DEMO_PASSWORD),
    "manager": ("manager.demo.", "manager@demo.example", DEMO_PASSWORD),
    "master": ("master.demo.", "aigerim@demo.example", DEMO_PASSWORD),
    "admin": ("admin.", *ADMIN),
    # The business registered by lookups(), still waiting for approval: its owner's checklist.
    "newowner": ("owner.nova-nails.", "dana@nova-nails.example", "nova12345"),
}

# ------------------------------------------------------------------------------------------
# The pages.  One line each: role, a short name for the file, the path, optional action.
PAGES: list[dict] = [
    # Main site
    {"role": "main", "name": "home", "path": "/"},
    {"role": "main", "name": "register", "path": "/register"},
    {"role": "main", "name": "login", "path": "/login"},
    {"role": "main", "name": "forgot", "path": "/forgot"},
    # Public booking site and the booking flow, up to the code step
    {"role": "public", "name": "site", "path": "/"},
    {"role": "public", "name": "book-1-location", "path": "/book"},
    {"role": "public", "name": "book-2-service", "path": "/book?location_id={location_id}"},
    {"role": "public", "name": "book-3-master", "path": "/book?location_id={location_id}&service_id={service_id}"},
    {
        "role": "public",
        "name": "book-4-time",
        "path": "/book?location_id={location_id}&service_id={service_id}&master_id={master_id}",
    },
    {
        "role": "public",
        "name": "book-4-time-any-master",
        "path": "/book?location_id={location_id}&service_id={service_id}&master_id=any",
    },
    {
        "role": "public",
        "name": "book-5-confirm",
        "path": "/book/confirm?location_id={location_id}&service_id={service_id}&master_id={master_id}&start={slot}",
    },
    {
        "role": "public",
        "name": "book-6-code",
        "path": "/book/confirm?location_id={location_id}&service_id={service_id}&master_id={master_id}&start={slot}",
        "action": "ask_for_code",
    },
    {"role": "public", "name": "verify", "path": "/verify"},
    {"role": "public", "name": "my", "path": "/my"},
    {"role": "public", "name": "manage-link", "path": "/v/{manage_token}"},
    # Owner
    {"role": "owner", "name": "login", "path": "/login", "anonymous": True},
    {"role": "owner", "name": "calendar-day", "path": "/?date={today}"},
    {"role": "owner", "name": "calendar-week", "path": "/week?date={today}"},
    {"role": "owner", "name": "calendar-week-master", "path": "/week?date={today}&master_id={master_id}"},
    {"role": "owner", "name": "calendar-day-location", "path": "/?date={today}&location_id={other_location_id}"},
    {"role": "owner", "name": "booking-panel", "path": "/bookings/{booking_id}"},
    {"role": "owner", "name": "booking-new", "path": "/bookings/new"},
    {
        "role": "owner",
        "name": "booking-new-time",
        "path": "/bookings/new?location_id={location_id}&service_id={service_id}&master_id={master_id}"
        "&date={tomorrow}&time=11:00",
    },
    {"role": "owner", "name": "booking-move", "path": "/bookings/{booking_id}/reschedule"},
    {"role": "owner", "name": "clients", "path": "/clients"},
    {"role": "owner", "name": "clients-search", "path": "/clients?q=870"},
    {"role": "owner", "name": "client-card", "path": "/clients/{client_id}"},
    {"role": "owner", "name": "analytics", "path": "/analytics"},
    {"role": "owner", "name": "analytics-12-weeks", "path": "/analytics?weeks=12"},
    {"role": "owner", "name": "share", "path": "/share"},
    {"role": "owner", "name": "masters", "path": "/masters"},
    {"role": "owner", "name": "master-new", "path": "/masters/new"},
    {"role": "owner", "name": "master-edit", "path": "/masters/{master_id}"},
    {"role": "owner", "name": "master-schedule", "path": "/masters/{master_id}/schedule"},
    {"role": "owner", "name": "services", "path": "/services"},
    {"role": "owner", "name": "service-new", "path": "/services/new"},
    {"role": "owner", "name": "service-edit", "path": "/services/{service_id}"},
    {"role": "owner", "name": "locations", "path": "/locations"},
    {"role": "owner", "name": "location-edit", "path": "/locations/{location_id}"},
    {"role": "owner", "name": "settings", "path": "/settings"},
    {"role": "owner", "name": "billing", "path": "/billing"},
    {"role": "owner", "name": "requests", "path": "/requests"},
    {"role": "owner", "name": "messages", "path": "/messages"},
    {"role": "owner", "name": "reassign", "path": "/reassign"},
    # Manager
    {"role": "manager", "name": "calendar-day", "path": "/?date={today}"},
    {"role": "manager", "name": "calendar-week", "path": "/week?date={today}"},
    {"role": "manager", "name": "booking-new", "path": "/bookings/new"},
    {"role": "manager", "name": "clients", "path": "/clients"},
    {"role": "manager", "name": "analytics", "path": "/analytics"},
    {"role": "manager", "name": "masters", "path": "/masters"},
    {"role": "manager", "name": "services", "path": "/services"},
    {"role": "manager", "name": "requests", "path": "/requests"},
    # Master
    {"role": "master", "name": "day", "path": "/?date={today}"},
    {"role": "master", "name": "week", "path": "/week?date={today}"},
    {"role": "master", "name": "upcoming", "path": "/upcoming"},
    {"role": "master", "name": "schedule", "path": "/schedule"},
    {"role": "master", "name": "permissions", "path": "/permissions"},
    # Platform admin
    {"role": "admin", "name": "login", "path": "/login", "anonymous": True},
    {"role": "admin", "name": "businesses-pending", "path": "/"},
    {"role": "admin", "name": "businesses-active", "path": "/?status=active"},
    {"role": "admin", "name": "business-details", "path": "/tenants/{pending_tenant_id}"},
    {"role": "admin", "name": "business-details-active", "path": "/tenants/{tenant_id}"},
    {"role": "admin", "name": "suspend-confirm", "path": "/tenants/{tenant_id}/suspend"},
    {"role": "admin", "name": "outbox", "path": "/outbox"},
    {"role": "admin", "name": "outbox-opened", "path": "/outbox?status=failed", "action": "open_first_message"},
    {"role": "admin", "name": "audit", "path": "/audit"},
    {"role": "admin", "name": "analytics", "path": "/analytics"},
    # A new business's owner: the onboarding checklist
    {"role": "newowner", "name": "home-checklist", "path": "/"},
]
# ------------------------------------------------------------------------------------------


def ask_for_code(page) -> None:
    """On the confirm step: type a phone number and ask for the code (the code step shows).
    A code asked for earlier in this browser is still live: the page is on the code step already."""
    phone = page.locator("input[name=phone]:visible").first
    if not phone.count():
        return
    phone.fill("+7 701 555 09 09")
    phone.locator("xpath=ancestor::form").locator("button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def open_first_message(page) -> None:
    details = page.locator("table.outbox details").first
    if details.count():
        details.locator("summary").click()


ACTIONS = {"ask_for_code": ask_for_code, "open_first_message": open_first_message}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lookups() -> dict[str, str]:
    """Ids from the demo data for the placeholders, plus a pending business and a failed
    message so the admin pages have something to show."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import Client
    from app.bookings.models import Booking
    from app.catalog.models import Master, MasterService, Service
    from app.core import tenancy
    from app.core.types import utcnow
    from app.extensions import db
    from app.notifications import services as notification_services
    from app.notifications.models import Notification
    from app.tenants import services as tenant_services
    from app.tenants.models import Location, Tenant

    app = create_app()
    values: dict[str, str] = {}
    with app.app_context(), tenancy.unscoped():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.subdomain == "demo"))
        values["tenant_id"] = str(tenant_id)
        try:
            with app.test_request_context():
                pending, _owner = tenant_services.register_business(
                    {
                        "business_name": "Nova Nails",
                        "owner_name": "Dana Seitkali",
                        "email": "dana@nova-nails.example",
                        "subdomain": "nova-nails",
                        "password": "nova12345",
                        "phone": "+77015550404",
                        "address": "Dostyk 5, Almaty",
                        "language": "ru",
                    }
                )
            values["pending_tenant_id"] = str(pending.id)
        except Exception as exc:  # staging data only; the output says what is missing
            print(f"  (no pending business for the admin pages: {exc})")
        db.session.commit()
        # Send what the seed queued with the development providers (no worker runs here), so the
        # Outbox shows real texts; then fail one email and one SMS so "Send again" shows.
        queued = db.session.scalars(
            select(Notification.id).where(Notification.status == "queued").order_by(Notification.id).limit(80)
        ).all()
        for nid in queued:
            try:
                notification_services.deliver(nid, commit=db.session.commit)
            except Exception as exc:
                db.session.rollback()
                print(f"  (message {nid} not sent: {exc})")
        for channel, error in (("email", "SMTP 451 4.7.1 Try again later"), ("sms", "SMS gateway answered 503")):
            row = db.session.scalar(
                select(Notification)
                .where(Notification.channel == channel, Notification.template != "client_code")
                .order_by(Notification.id.desc())
                .limit(1)
            )
            if row is not None:
                row.status, row.attempts, row.last_error, row.sent_at = "failed", 3, error, None
        db.session.commit()
    with app.app_context(), tenancy.tenant_scope(tenant_id):
        location = db.session.scalar(select(Location).order_by(Location.id))
        master = db.session.scalar(select(Master).where(Master.location_id == location.id).order_by(Master.id))
        service = db.session.scalar(
            select(Service)
            .join(MasterService, MasterService.service_id == Service.id)
            .where(MasterService.master_id == master.id)
            .order_by(Service.id)
        )
        tz = ZoneInfo(location.timezone)
        today = utcnow().astimezone(tz).date()
        values.update(
            location_id=str(location.id),
            master_id=str(master.id),
            service_id=str(service.id),
            today=today.isoformat(),
            tomorrow=(today + timedelta(days=1)).isoformat(),
        )
        booking = db.session.scalar(
            select(Booking).where(Booking.status == "confirmed").order_by(Booking.start_at.desc()).limit(1)
        )
        if booking is not None:
            values["booking_id"] = str(booking.id)
            try:
                from app.notifications import links

                values["manage_token"] = links.token_for_visit(tenant_id, booking.id, booking.end_at)
            except (ImportError, AttributeError) as exc:
                print(f"  (no manage link: {exc})")
        other = db.session.scalar(select(Location.id).where(Location.id != location.id).order_by(Location.id))
        if other is not None:
            values["other_location_id"] = str(other)
        client = db.session.scalar(select(Client).order_by(Client.id))
        if client is not None:
            values["client_id"] = str(client.id)
    return values


def find_slot(base: str, values: dict) -> str | None:
    """A free start time for the confirm step, from the public API."""
    import json
    from datetime import date, timedelta

    for offset in range(1, 8):
        day = (date.fromisoformat(values["today"]) + timedelta(days=offset)).isoformat()
        url = (
            f"{base}/api/v1/public/business/demo/availability?location_id={values['location_id']}"
            f"&service_id={values['service_id']}&master_id={values['master_id']}&date={day}"
        )
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 -- our own local server
                data = json.load(resp)
        except Exception as exc:
            print(f"  (no free time on {day}: {exc})")
            continue
        for item in data.get("slots") or data.get("items") or []:
            start = item.get("start") if isinstance(item, dict) else item
            if start:
                return start
    return None


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 -- our own local server
                return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"The app did not answer at {url}")


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def login(page, origin: str, email: str, password: str) -> bool:
    page.goto(f"{origin}/login?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    return "/login" not in page.url


def shoot(args, port: int, values: dict, out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    domain = f"localhost:{port}"
    wanted = [
        p
        for p in PAGES
        if (not args.role or p["role"] in args.role)
        and (not args.page or any(f in f"{p['role']}-{p['name']}" for f in args.page))
    ]
    count = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for vp_name, size in VIEWPORTS.items():
                if args.viewport and vp_name not in args.viewport:
                    continue
                for role, (prefix, email, password) in ROLES.items():
                    pages = [p for p in wanted if p["role"] == role]
                    if not pages:
                        continue
                    origin = f"http://{prefix}{domain}"
                    anonymous = [p for p in pages if p.get("anonymous") or email is None]
                    signed_in = [p for p in pages if p not in anonymous]
                    for group, needs_login in ((anonymous, False), (signed_in, True)):
                        if not group:
                            continue
                        context = browser.new_context(viewport=size, device_scale_factor=1)
                        page = context.new_page()
                        if needs_login and not login(page, origin, email, password):
                            problems.append(f"{vp_name} {role}: could not sign in as {email}")
                            context.close()
                            continue
                        for lang in LANGS if not args.lang else args.lang:
                            for spec in group:
                                name = f"{role}-{spec['name']}"
                                try:
                                    path = spec["path"].format(**values)
                                except KeyError as missing:
                                    problems.append(f"{name}: skipped, the demo has no {missing}")
                                    continue
                                url = origin + with_lang(path, lang)
                                resp = page.goto(url, wait_until="networkidle")
                                status = resp.status if resp else 0
                                if status >= 400:
                                    problems.append(f"{lang} {vp_name} {name}: HTTP {status} {url}")
                                elif spec.get("action"):
                                    try:
                                        ACTIONS[spec["action"]](page)
                                    except Exception as exc:
                                        first = str(exc).splitlines()[0]
                                        problems.append(f"{lang} {vp_name} {name}: action failed: {first}")
                                target = out / lang / vp_name / f"{name}.png"
                                target.parent.mkdir(parents=True, exist_ok=True)
                                page.screenshot(path=str(target), full_page=True)
                                count += 1
                        context.close()
        finally:
            browser.close()
    print(f"Saved {count} screenshots under {out}/")
    return sorted(set(problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--lang", action="append", choices=LANGS, help="only this language (repeatable)")
    parser.add_argument("--viewport", action="append", choices=list(VIEWPORTS), help="only this viewport")
    parser.add_argument("--role", action="append", choices=list(ROLES), help="only this role's pages")
    parser.add_argument("--page", action="append", help="only pages whose <role>-<name> contains this")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's Chromium.", file=sys.stderr)
        return 1

    port = args.port or free_port()
    instance = Path(tempfile.mkdtemp(prefix="jazyl-screens-"))
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        INSTANCE_PATH=str(instance),
        DATABASE_URL=f"sqlite:///{instance / 'jazyl.db'}",
        SERVER_NAME=f"localhost:{port}",
        PREFERRED_URL_SCHEME="http",
        # One browser signs in 8 times and loads a few hundred pages a minute from one address.
        RATELIMIT_LOGIN="60 per minute",
        RATELIMIT_DEFAULT="5000 per minute",
    )
    env.pop("DATABASE_OWNER_URL", None)
    os.environ.update({k: env[k] for k in ("APP_ENV", "INSTANCE_PATH", "DATABASE_URL", "SERVER_NAME")})
    os.environ.pop("DATABASE_OWNER_URL", None)
    from app.core.redis import embedded_url

    env["REDIS_URL"] = os.environ["REDIS_URL"] = embedded_url(instance)  # this process keeps it alive

    flask = [str(BIN / "flask"), "--app", "wsgi"]
    server = None
    try:
        subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT, capture_output=True)
        subprocess.run([*flask, "seed-demo"], check=True, env=env, cwd=ROOT, capture_output=True)
        subprocess.run(
            [*flask, "create-admin", "--email", ADMIN[0], "--password", ADMIN[1]],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
        )
        values = lookups()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://localhost:{port}"
        wait_up(f"{base}/health")
        slot = find_slot(base, values)
        if slot:
            values["slot"] = urllib.parse.quote(slot, safe="")
        out = Path(args.out)
        problems = shoot(args, port, values, out)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(instance, ignore_errors=True)
    if problems:
        print(f"\n{len(problems)} page(s) to look at:")
        for p in problems:
            print(f"  - {p}")
    else:
        print("Every page answered.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
