from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class User(UserMixin, db.Model):
    """Staff and super admins. Platform-level (login looks users up by email across
    tenants), so it is not auto-scoped: services filter by ``tenant_id`` explicitly."""

    __tablename__ = "users"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "location_id"], ["locations.tenant_id", "locations.id"], ondelete="SET NULL"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5), default="en")
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant = relationship("Tenant", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    # The dashboard login this request runs under (a :class:`UserSession` token), set by
    # app.accounts.services; not a column.
    web_session = None  # type: str | None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies:
        ``user id : password stamp : session token``.  Changing the password changes the stamp,
        ending every session; signing out revokes the one session record."""
        stamp = int(self.password_changed_at.timestamp()) if self.password_changed_at else 0
        return f"{self.id}:{stamp}:{self.web_session or ''}"


class RefreshToken(db.Model):
    """Opaque refresh tokens stored as SHA-256 hashes, grouped in rotation families."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(db.Model):
    """One dashboard sign-in (one browser): its token is in the session and remember-me cookies,
    stored here only as a SHA-256 hash.  Signing out revokes this row, so copies of the cookies
    stop working; the user's other sign-ins are separate rows and go on."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Client(TenantScoped, db.Model):
    __tablename__ = "clients"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "phone"))

    id: Mapped[int] = tenant_row_id("clients")
    phone: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClientSession(TenantScoped, db.Model):
    __tablename__ = "client_sessions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        # Looked up by token inside the tenant's scope, so the unique index leads with tenant_id.
        UniqueConstraint("tenant_id", "token_hash"),
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = tenant_row_id("client_sessions")
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship(
        "Client",
        primaryjoin="and_(ClientSession.tenant_id == Client.tenant_id, ClientSession.client_id == Client.id)",
        foreign_keys=[client_id],
        lazy="joined",
    )


class ClientVerification(TenantScoped, db.Model):
    """A pending phone verification: the code is kept only as a keyed HMAC."""

    __tablename__ = "client_verifications"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[int] = tenant_row_id("client_verifications")
    phone: Mapped[str] = mapped_column(String(20), index=True)
    code_hmac: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="en")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClientNote(TenantScoped, db.Model):
    """A note the staff keep about a client (allergies, preferences); newest first on the card."""

    __tablename__ = "client_notes"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = tenant_row_id("client_notes")
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
