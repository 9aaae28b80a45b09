"""Glue between WTForms and domain errors: a service's field errors land on the form."""
from __future__ import annotations

from flask_wtf import FlaskForm

from app.core.errors import ValidationError


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
