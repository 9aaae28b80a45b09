"""Who acts (:class:`Actor`), passwords, roles and the dashboard access rules shared by every host."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff user, a client, or the system (jobs, commands)."""

    kind: str  # user | client | system
    id: int | None = None
    label: str = ""
    role: str | None = None
    tenant_id: int | None = None
    location_id: int | None = None
    master_id: int | None = None
    permissions: tuple[str, ...] = ()

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label, "system")

    @classmethod
    def for_user(cls, user, master=None) -> Actor:
        return cls(
            "user",
            user.id,
            user.email,
            user.role,
            user.tenant_id,
            user.location_id,
            master.id if master else None,
            tuple(master.permissions or ()) if master else (),
        )

    @classmethod
    def for_client(cls, client) -> Actor:
        return cls("client", client.id, client.phone, "client", client.tenant_id)

    def has(self, permission: str) -> bool:
        return permission in self.permissions
