"""Read side of the staff's client pages: the searchable list, the client card, the CSV export.

Everything runs in the current tenant's scope.  ``location_id`` narrows to the clients who
have a booking at that location (a manager's view) and, on the card, to that location's
bookings.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from app.accounts.models import Client, ClientNote
from app.bookings.models import BLOCKING_STATUSES, Booking
from app.core.phones import format_phone
from app.extensions import db

PER_PAGE = 25
#: Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def display_phone(phone: str | None) -> str:
    """E.164 as people read it: ``+7 701 555 00 00`` (:func:`app.core.phones.format_phone`)."""
    return format_phone(phone)


def _search_filter(q: str):
    """Name contains ``q`` (any case), or the phone contains the digits typed in ``q``
    (``8 701 555``, ``+7(701)555`` and ``701-555`` all find ``+77015550000``)."""
    q = (q or "").strip()
    conds = []
    if q:
        like = {q, q.lower(), q.upper(), q.capitalize(), q.title()}
        # SQLite folds case for ASCII only: the spellings above cover Cyrillic names as typed.
        conds.extend(Client.name.ilike(f"%{v}%", escape="\\") for v in (_escape_like(v) for v in like))
        digits = "".join(ch for ch in q if ch.isdigit())
        if len(digits) >= 3:
            conds.append(Client.phone.like(f"%{digits}%"))
            if digits.startswith("8") and len(digits) >= 4:  # the local trunk prefix of +7 numbers
                conds.append(Client.phone.like(f"+7{digits[1:]}%"))
    return or_(*conds) if conds else None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _clients_stmt(q: str | None, location_id: int | None):
    stmt = select(Client)
    cond = _search_filter(q or "")
    if cond is not None:
        stmt = stmt.where(cond)
    if location_id is not None:
        stmt = stmt.where(Client.id.in_(select(Booking.client_id).where(Booking.location_id == location_id)))
    return stmt


@dataclass
class ClientSummary:
    client: Client
    visits: int = 0
    no_shows: int = 0
    cancellations: int = 0
    last_visit: datetime | None = None
    spent: dict[str, Decimal] = field(default_factory=dict)


def _summaries(clients: list[Client], location_id: int | None) -> list[ClientSummary]:
    """Counts per client in one query (the page's clients only)."""
    out = {c.id: ClientSummary(c) for c in clients}
    if not out:
        return []
    stmt = (
        select(
            Booking.client_id,
            Booking.status,
            Booking.currency,
            func.count(),
            func.sum(Booking.price),
            func.max(Booking.start_at),
        )
        .where(Booking.client_id.in_(list(out)))
        .group_by(Booking.client_id, Booking.status, Booking.currency)
    )
    if location_id is not None:
        stmt = stmt.where(Booking.location_id == location_id)
    for client_id, status, currency, n, total, last in db.session.execute(stmt):
        s = out[client_id]
        if status == "completed":
            s.visits += n
            s.spent[currency] = s.spent.get(currency, Decimal("0")) + Decimal(str(total or 0))
            s.last_visit = max(filter(None, (s.last_visit, last)), default=None)
        elif status == "no_show":
            s.no_shows += n
        elif status == "cancelled":
            s.cancellations += n
    return [out[c.id] for c in clients]


def search_clients(
    q: str | None = None, *, location_id: int | None = None, page: int = 1
) -> tuple[list[ClientSummary], int]:
    """One page of clients (by name) matching ``q`` with their counts, and the number of matches."""
    stmt = _clients_stmt(q, location_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    clients = list(
        db.session.scalars(stmt.order_by(Client.name, Client.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    )
    return _summaries(clients, location_id), total


def visible_client(client_id: int, location_id: int | None = None) -> Client | None:
    """The client, if it is in view (a manager's: has a booking at ``location_id``)."""
    return db.session.scalar(_clients_stmt(None, location_id).where(Client.id == client_id))


@dataclass
class ClientCard:
    client: Client
    upcoming: list[Booking]
    past: list[Booking]
    visits: int
    no_shows: int
    cancellations: int
    spent: dict[str, Decimal]
    notes: list[ClientNote]


def client_card(client: Client, now: datetime, location_id: int | None = None) -> ClientCard:
    """Upcoming visits (soonest first), past and cancelled ones (latest first), counts, money
    spent on done visits per currency, and the staff's notes (newest first)."""
    stmt = select(Booking).where(Booking.client_id == client.id)
    if location_id is not None:
        stmt = stmt.where(Booking.location_id == location_id)
    bookings = list(db.session.scalars(stmt.order_by(Booking.start_at.desc(), Booking.id.desc())))
    upcoming = [b for b in bookings if b.status in BLOCKING_STATUSES and b.end_at > now]
    upcoming.reverse()
    past = [b for b in bookings if b not in upcoming]
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for b in bookings:
        if b.status == "completed":
            spent[b.currency] += Decimal(str(b.price))
    notes = list(
        db.session.scalars(
            select(ClientNote)
            .where(ClientNote.client_id == client.id)
            .order_by(ClientNote.created_at.desc(), ClientNote.id.desc())
        )
    )
    return ClientCard(
        client=client,
        upcoming=upcoming,
        past=past,
        visits=sum(1 for b in bookings if b.status == "completed"),
        no_shows=sum(1 for b in bookings if b.status == "no_show"),
        cancellations=sum(1 for b in bookings if b.status == "cancelled"),
        spent=dict(spent),
        notes=notes,
    )


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe, so it is never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_csv(
    header: list[str], money, *, q: str | None = None, location_id: int | None = None, batch: int = 500
) -> Iterator[str]:
    """The matching clients as CSV text, a chunk at a time (for a streamed response).

    ``header`` is the translated column titles; ``money(amount, currency)`` writes amounts.
    Phones are written as people read them; every cell goes through :func:`safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate(0)
        return text

    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + flush()  # a BOM, so spreadsheet programs read UTF-8 (Cyrillic names)
    stmt = _clients_stmt(q, location_id).order_by(Client.name, Client.id)
    offset = 0
    while True:
        clients = list(db.session.scalars(stmt.limit(batch).offset(offset)))
        if not clients:
            break
        for s in _summaries(clients, location_id):
            c = s.client
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        c.name,
                        display_phone(c.phone),
                        c.email or "",
                        c.language,
                        s.visits,
                        s.no_shows,
                        s.cancellations,
                        "; ".join(money(amount, cur) for cur, amount in sorted(s.spent.items())),
                        s.last_visit.date().isoformat() if s.last_visit else "",
                    )
                ]
            )
        yield flush()
        offset += batch
