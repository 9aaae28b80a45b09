"""Support tools of the admin panel: sign in as a business's owner, clear caches.

Extending a trial and re-sending a failed message live beside the tenant actions
(:mod:`app.web.admin.views`) and the Outbox (:mod:`app.web.admin.outbox`).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.accounts import impersonation
from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import DomainError
from app.tenants import services as tenant_services
from app.web.admin.views import _tenant_or_404, bp


@bp.route("/tenants/<int:tenant_id>/support", methods=["POST"])
def support_session(tenant_id: int):
    """Open the owner's dashboard in this browser as a read-only support session."""
    tenant = _tenant_or_404(tenant_id)
    try:
        with savepoint():
            target = impersonation.start(current_user, tenant)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    # A page that navigates there: a form POST may not end in a redirect to another host (CSP).
    page = render_template("main/handoff.html", target=target, signed_in=True)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/cache/clear", methods=["POST"])
def cache_clear():
    """Clear one business's cached answers (``tenant_id`` in the form) or every business's."""
    raw = (request.form.get("tenant_id") or "").strip()
    tenant = _tenant_or_404(int(raw)) if raw.isdigit() and len(raw) < 10 else None
    try:
        with savepoint():
            removed = tenant_services.clear_caches(Actor.for_user(current_user), tenant)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        count = ngettext("%(num)d entry removed.", "%(num)d entries removed.", removed)
        if tenant is not None:
            flash(_("The cache of %(name)s is cleared.", name=tenant.name) + " " + count, "success")
        else:
            flash(_("The cache of every business is cleared.") + " " + count, "success")
    if tenant is not None:
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    return redirect(url_for("admin.index"))
