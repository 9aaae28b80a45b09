"""Notes the staff keep about a client (allergies, preferences): add and remove, audited."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Client, ClientNote
from app.accounts.rules import CLIENT_NOTE
from app.audit.services import record
from app.core.auth import Actor
from app.core.errors import Forbidden, NotFound
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db


def add_client_note(actor: Actor, client: Client, text: str, author_name: str = "") -> ClientNote:
    """Add a note to ``client`` (loaded by the caller within what the actor may see);
    ``author_name`` is kept so the note still says who wrote it after the account is gone."""
    text = clean_or_raise("text", CLIENT_NOTE, text)
    note = ClientNote(
        client_id=client.id,
        text=text,
        author_user_id=actor.id,
        author_name=author_name or actor.label or "",
        created_at=utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    record(actor, "client_note.add", "client", client.id, tenant_id=client.tenant_id, after={"text": text})
    return note


def delete_client_note(actor: Actor, client: Client, note_id: int) -> None:
    """Remove one of ``client``'s notes: its author or the owner may."""
    note = db.session.scalar(select(ClientNote).where(ClientNote.id == note_id, ClientNote.client_id == client.id))
    if note is None:
        raise NotFound()
    if actor.role != "owner" and note.author_user_id != actor.id:
        raise Forbidden()
    record(actor, "client_note.delete", "client", client.id, tenant_id=client.tenant_id, before={"text": note.text})
    db.session.delete(note)
    db.session.flush()
