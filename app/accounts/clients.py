"""Client identity: phone verification by SMS code, then a 30-day client session.

The code is six random digits, kept only as an HMAC-SHA256 keyed with ``SECRET_KEY``
(bound to the tenant and phone), valid 10 minutes, dead after 5 wrong tries; a new code
for the same phone can be asked for once a minute.  The answer to "send a code" never
depends on whether the phone is a known client (no enumeration).  A correct code opens a
:class:`ClientSession` whose random token (``client_token``) is stored as a SHA-256 hash.
The token starts with its tenant's id (``ct_<tenant id>_<random>``), so a lookup is keyed
``(tenant_id, token_hash)`` -- the unique index, and one shard on Citus (docs/scaling.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from redis.exceptions import RedisError
from sqlalchemy import case, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Client, ClientSession, ClientVerification
from app.accounts.rules import CLIENT_NAME, SMS_CODE
from app.core import cache, prepared
from app.core.db import independent_write
from app.core.errors import ValidationError
from app.core.fields import clean_or_raise
from app.core.i18n import normalize
from app.core.phones import normalize_phone
from app.core.ratelimit import RateLimited
from app.core.redis import get_redis
from app.core.tenancy import TenantScopeError, current_scope, tenant_scope, unscoped
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=60)
CLIENT_TOKEN_PREFIX = "ct_"  # noqa: S105 -- a public prefix, not a secret


class WrongCode(ValidationError):
    """A wrong code (counted before it was checked: see :func:`_claim_attempt`).

    ``attempts_left`` is how many more guesses this code takes (0: it is now dead).
    """

    attempts_left: int = 0


class CodeNotValid(ValidationError):
    """There is no live code for this phone: never sent, expired, spent or out of tries."""


def _no_longer_valid() -> str:
    return _l("This code is no longer valid. Ask for a new one.")


def _wrong_code(attempts_left: int) -> WrongCode:
    if attempts_left > 0:
        message = ngettext(
            "The code is wrong. %(num)d try left.", "The code is wrong. %(num)d tries left.", attempts_left
        )
    else:
        message = _l("The code is wrong, and this code is no longer valid. Ask for a new one.")
    exc = WrongCode({"code": [message]})
    exc.attempts_left = attempts_left
    return exc


@dataclass(frozen=True)
class CodeState:
    """What the verification page should say about a phone's code.

    ``live``: an unexpired code with tries left is waiting; ``attempts_left`` of
    MAX_ATTEMPTS; ``resend_at``: when a new code may be asked for (None: now), and
    ``resend_in`` the whole seconds until then (0: now).
    """

    live: bool
    attempts_left: int
    resend_at: datetime | None
    expires_at: datetime | None
    resend_in: int = 0


def _code_hmac(tenant_id: int, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"client-code:{tenant_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(tenant_id: int) -> str:
    return f"{CLIENT_TOKEN_PREFIX}{tenant_id}_{secrets.token_urlsafe(40)}"


def _token_tenant_id(token: str) -> int | None:
    """The tenant id a client token names, or None for anything else (the hash still decides)."""
    if not token or not token.startswith(CLIENT_TOKEN_PREFIX):
        return None
    head, sep, _ = token[len(CLIENT_TOKEN_PREFIX) :].partition("_")
    return int(head) if sep and head.isascii() and head.isdigit() and len(head) <= 18 else None


def _ttl() -> timedelta:
    minutes = current_app.config.get("SMS_CODE_TTL_MINUTES")
    return timedelta(minutes=minutes) if minutes else CODE_TTL


def _open_verification(phone: str) -> ClientVerification | None:
    return db.session.scalar(
        select(ClientVerification)
        .where(ClientVerification.phone == phone, ClientVerification.consumed_at.is_(None))
        .order_by(ClientVerification.sent_at.desc(), ClientVerification.id.desc())
        .limit(1)
    )


def _resend_at(last: ClientVerification | None, now) -> datetime | None:
    """When a new code may be sent, given the newest open one (None: right now)."""
    if last is None or last.sent_at + RESEND_COOLDOWN <= now:
        return None
    return last.sent_at + RESEND_COOLDOWN


def code_state(phone: str) -> CodeState:
    """The state of ``phone``'s newest code (inside the tenant's scope), for the page to explain.

    The tries are counted as the code check counts them (the Redis counter when it is
    reachable, else the row), so "N tries left" is what the next guess will meet.
    """
    phone = normalize_phone(phone)
    now = utcnow()
    ver = _open_verification(phone)
    if ver is None:
        return CodeState(live=False, attempts_left=0, resend_at=None, expires_at=None)
    used = max(int(ver.attempts or 0), _counted_attempts(ver))
    left = max(0, MAX_ATTEMPTS - used)
    live = ver.expires_at > now and left > 0
    # The guess that used up the tries also retired the code, so a new one may be sent at once.
    resend_at = _resend_at(ver, now) if left > 0 else None
    resend_in = -int((now - resend_at).total_seconds() // 1) if resend_at else 0
    return CodeState(
        live=live, attempts_left=left, resend_at=resend_at, expires_at=ver.expires_at, resend_in=max(resend_in, 0)
    )


@lru_cache(maxsize=8)
def _client_upsert(dialect: str, new_name: bool, new_language: bool):
    """The client upsert (a Core statement returning every column), built once per database
    and kind of change; its values come as execution parameters."""
    table = Client.__table__
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    changes = {}
    if new_name:
        changes["name"] = ins.excluded.name
    if new_language:
        changes["language"] = ins.excluded.language
    # With nothing new the row is still "updated" (to itself), so that RETURNING gives it.
    return ins.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.phone], set_=changes or {"phone": ins.excluded.phone}
    ).returning(*table.c)


def find_or_create_client(phone_e164: str, *, name: str | None = None, language: str | None = None):
    """The tenant's client with this phone (already E.164), created on first contact.

    Runs inside the tenant scope; a known client keeps their name unless a new one is given
    (and their language unless one is given).  One statement: ``INSERT ... ON CONFLICT
    (tenant_id, phone) DO UPDATE ... RETURNING``.  Two first bookings of one new client at
    once cannot both insert: on PostgreSQL the second waits for the first transaction and
    then updates the row it committed (SQLite runs one writer at a time).  The conflicting
    row is always updated (with its own values when nothing new is given), so that it is
    returned, and it stays locked until the transaction ends.  The row joins the session as
    if just loaded (the session's own object of that client, if it holds one, takes the
    new name and language).
    """
    scope = current_scope()
    if scope is None or scope.tenant_id is None:
        raise TenantScopeError("find_or_create_client outside a tenant scope")
    name = (name or "").strip()
    new_name, new_language = bool(name), bool(language)
    stmt = _client_upsert(db.engine.dialect.name, new_name, new_language)
    params = {"tenant_id": scope.tenant_id, "phone": phone_e164, "name": name, "language": language or "en"}
    # A prepared statement on PostgreSQL (app.core.prepared): every booking for a new client runs it.
    (values,) = prepared.rows(f"jazyl_client_upsert_v1_{int(new_name)}{int(new_language)}", stmt, params, typed=True)
    row = dict(zip(stmt.exported_columns.keys(), values, strict=True))
    client = cache.attach(Client, row, decoded=True)
    loaded = inspect(client).dict
    for key in ("name", "language"):
        if loaded.get(key) != row[key]:
            set_committed_value(client, key, row[key])
    return client


def start_client_verification(
    tenant, phone: str, language: str | None = None, fallback_language: str | None = None
) -> None:
    """Queue an SMS with a fresh code (inside the tenant's scope).

    The SMS is in ``language`` if the client chose one, else in a known client's own
    language, else in ``fallback_language`` (the browser's), else the business's default.
    """
    phone = normalize_phone(phone)
    now = utcnow()
    last = _open_verification(phone)
    resend_at = _resend_at(last, now)
    if resend_at is not None:
        raise RateLimited(
            int((resend_at - now).total_seconds()) + 1,
            _l("A code was sent a moment ago. Please wait a minute before asking again."),
        )
    db.session.execute(
        update(ClientVerification)
        .where(ClientVerification.phone == phone, ClientVerification.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    lang = normalize(language)
    if lang is None:
        known = db.session.scalar(select(Client.language).where(Client.phone == phone))
        lang = normalize(known) or normalize(fallback_language) or normalize(tenant.default_language) or "en"
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(
        ClientVerification(
            phone=phone,
            code_hmac=_code_hmac(tenant.id, phone, code),
            language=lang,
            attempts=0,
            sent_at=now,
            expires_at=now + _ttl(),
        )
    )
    db.session.flush()
    events.client_code(tenant, phone, code, lang)


def _attempts_key(ver: ClientVerification) -> str:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX") or ""
    return f"{prefix}client-code-attempts:{ver.tenant_id}:{ver.id}"


def _counted_attempts(ver: ClientVerification) -> int:
    """Guesses counted in Redis for ``ver`` (0 when none or Redis does not answer)."""
    try:
        return int(get_redis().get(_attempts_key(ver)) or 0)
    except (RedisError, OSError):  # only the explanation degrades; the check itself stays strict
        return 0


def _claim_attempt(ver: ClientVerification, now) -> int:
    """Count one guess at ``ver`` before it is checked; its number (1-based): more than
    MAX_ATTEMPTS means the guess must not be checked.

    The counter is a Redis ``INCR``: atomic, so parallel guesses each get their own number
    and no more than MAX_ATTEMPTS are ever checked, and outside the request's transaction,
    so a guess stays counted although its request fails and rolls back.  (A second database
    connection cannot do this mid-request: on SQLite the request's transaction already holds
    the only write lock.)  The key lives as long as the code.
    """
    key = _attempts_key(ver)
    pipe = get_redis().pipeline()  # MULTI ... EXEC
    pipe.set(key, 0, ex=max(1, int((ver.expires_at - now).total_seconds()) + 60), nx=True)
    pipe.incr(key)
    return int(pipe.execute()[1])


def _record_wrong_attempt(own: Session, tenant_id: int, verification_id: int, now) -> None:
    attempts = ClientVerification.attempts + 1
    with tenant_scope(tenant_id):
        own.execute(
            update(ClientVerification)
            .where(ClientVerification.tenant_id == tenant_id, ClientVerification.id == verification_id)
            .values(
                attempts=attempts,
                consumed_at=case((attempts >= MAX_ATTEMPTS, now), else_=ClientVerification.consumed_at),
            )
            .execution_options(synchronize_session=False)
        )


def complete_client_verification(
    tenant, phone: str, code: str, name: str | None = None, language: str | None = None
) -> tuple[Client, str]:
    """Check the code; on success the client (found or created) and a new client token.

    A wrong code raises :class:`WrongCode` saying how many tries are left; a code that is
    gone (never sent, expired, spent, out of tries) raises :class:`CodeNotValid`.
    """
    phone = normalize_phone(phone)
    name = clean_or_raise("name", CLIENT_NAME, name) or None
    code = clean_or_raise("code", SMS_CODE, code)
    now = utcnow()
    ver = _open_verification(phone)
    if ver is None or ver.expires_at <= now or ver.attempts >= MAX_ATTEMPTS:
        raise CodeNotValid({"code": [_no_longer_valid()]})
    number = _claim_attempt(ver, now)
    if number > MAX_ATTEMPTS:
        raise CodeNotValid({"code": [_no_longer_valid()]})
    candidate = _code_hmac(tenant.id, phone, str(code or "").strip())
    if not hmac.compare_digest(candidate, ver.code_hmac):
        # The request answers 422 and its transaction rolls back, yet the wrong attempt
        # must stay on the row (and the 5th one retires the code): a write of its own.
        independent_write(_record_wrong_attempt, ver.tenant_id, ver.id, now)
        raise _wrong_code(MAX_ATTEMPTS - max(number, int(ver.attempts or 0) + 1))
    # Spend the code with one conditional UPDATE: of two right guesses at once only one
    # changes the row (PostgreSQL re-checks the condition once the first commits).
    spent = db.session.execute(
        update(ClientVerification)
        .where(
            ClientVerification.tenant_id == ver.tenant_id,
            ClientVerification.id == ver.id,
            ClientVerification.consumed_at.is_(None),
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise CodeNotValid({"code": [_no_longer_valid()]})
    # A known client keeps their language unless they chose another one now.
    known = db.session.scalar(select(Client.id).where(Client.phone == phone)) is not None
    client = find_or_create_client(phone, name=name, language=normalize(language) or (None if known else ver.language))
    return client, open_client_session(client)


def open_client_session(client: Client) -> str:
    """A new client session (the 30-day cookie of a verified phone or a manage link); its token."""
    now = utcnow()
    token = _new_token(client.tenant_id)
    ttl = current_app.config.get("CLIENT_SESSION_TTL", timedelta(days=30))
    db.session.add(
        ClientSession(client_id=client.id, token_hash=_token_hash(token), created_at=now, expires_at=now + ttl)
    )
    db.session.flush()
    return token


def session_for_token(token: str) -> ClientSession | None:
    """The live session of a client token, looked up across tenants (the token says which)."""
    tenant_id = _token_tenant_id(token)
    if tenant_id is None:
        return None
    with unscoped():
        row = db.session.scalar(
            select(ClientSession).where(
                ClientSession.tenant_id == tenant_id, ClientSession.token_hash == _token_hash(token)
            )
        )
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def client_from_token(tenant, token: str) -> Client | None:
    row = session_for_token(token)
    if row is None or row.tenant_id != tenant.id:
        return None
    return row.client


def revoke_client_token(token: str) -> None:
    row = session_for_token(token)
    if row is not None:
        row.revoked_at = utcnow()
        db.session.flush()
