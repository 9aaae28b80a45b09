"""Glue between WTForms and domain errors: a service's field errors land on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm

from app.core.db import savepoint
from app.core.errors import DomainError, ValidationError

# Conflicts that belong to one field of the form that caused them.
FIELD_OF_CODE = {"email_taken": "email", "subdomain_taken": "subdomain"}


def apply_errors(form: FlaskForm, exc: ValidationError) -> list[str]:
    """Attach per-field messages; return the ones that match no field (shown on top)."""
    orphans: list[str] = []
    for name, messages in (exc.details or {}).items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            orphans.extend(messages)
            continue
        field.errors = list(field.errors or []) + list(messages)
    return orphans


def form_data(form: FlaskForm) -> dict[str, Any]:
    return {k: v for k, v in form.data.items() if k != "csrf_token"}


def submit(form: FlaskForm, action: Callable[[dict[str, Any]], Any]) -> tuple[bool, Any, list[str]]:
    """Validate ``form`` and hand its data to one service call.

    Returns ``(done, result, errors)``: ``done`` is true when the service succeeded; a domain
    error is shown on its field, or in ``errors`` when it has no field.  The call runs in a
    SAVEPOINT, so after an error the page is re-rendered from the data as it was before the
    call (what the service flushed is undone); the request itself still ends at the boundary.
    """
    if not form.validate_on_submit():
        return False, None, []
    try:
        with savepoint():
            result = action(form_data(form))
    except ValidationError as exc:
        return False, None, apply_errors(form, exc)
    except DomainError as exc:
        field = getattr(form, FIELD_OF_CODE.get(exc.code, ""), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [str(exc.message)]
            return False, None, []
        return False, None, [str(exc.message)]
    return True, result, []


def form_status(form: FlaskForm, errors: list[str]) -> int:
    """422 for a submitted form that did not go through, so tests and htmx can tell."""
    return 422 if form.is_submitted() and (form.errors or errors) else 200
