"""Passwords, roles and the dashboard access rules shared by every host."""

from __future__ import annotations

import bcrypt
from flask import current_app

ROLE_SUPER_ADMIN = "super_admin"
ROLE_OWNER = "owner"
ROLE_MANAGER = "manager"
ROLE_MASTER = "master"
STAFF_ROLES = (ROLE_OWNER, ROLE_MANAGER, ROLE_MASTER)

# bcrypt only looks at the first 72 bytes; longer inputs are refused upstream by validation.
_MAX_PASSWORD_BYTES = 72


def hash_password(password: str) -> str:
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(password.encode()[:_MAX_PASSWORD_BYTES], bcrypt.gensalt(rounds)).decode()


_dummy_hashes: dict[int, bytes] = {}


def _dummy_hash() -> bytes:
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(rounds))
    return _dummy_hashes[rounds]


def check_password(password: str, hashed: str | None) -> bool:
    """An unknown user still costs one bcrypt check, so timing does not reveal accounts."""
    candidate = hashed.encode() if hashed else _dummy_hash()
    ok = bcrypt.checkpw(password.encode()[:_MAX_PASSWORD_BYTES], candidate)
    return ok and hashed is not None
