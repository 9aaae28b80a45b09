"""The unit of work (issue 8, items 4 and 5): after-commit hooks follow SAVEPOINTs, and a
request commits in one place, only when it ends without an exception and below 400.

Real transactions on whichever database the suite uses: every savepoint below is a
``SAVEPOINT`` on PostgreSQL or SQLite, with a row written inside it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core import db as uow
from app.extensions import db
from app.tenants.models import Tenant


class Boom(Exception):
    pass


def _subdomains() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(sa.select(Tenant.subdomain)))


# ---------------------------------------------------------------- commit with nothing begun


def test_a_commit_with_nothing_begun_opens_no_transaction_but_still_runs_a_waiting_hook():
    """A request that never used the session (a cached read) commits nothing: no transaction
    is begun just to end it.  A hook registered before any statement still runs."""
    db.session.commit()
    began: list = []

    def on_begin(session, transaction):
        if transaction.parent is None:
            began.append(transaction)

    sa.event.listen(sa.orm.Session, "after_transaction_create", on_begin)
    try:
        uow.commit()
        assert began == []
        ran: list[str] = []
        uow.after_commit(ran.append, "waiting")
        uow.commit()
        assert ran == ["waiting"]
        assert len(began) == 1
    finally:
        sa.event.remove(sa.orm.Session, "after_transaction_create", on_begin)


# ---------------------------------------------------------------- 4: hooks follow savepoints


def test_a_rolled_back_savepoint_drops_only_its_own_hooks(create_tenant):
    ran: list[str] = []
    create_tenant("before")
    uow.after_commit(ran.append, "before")
    with pytest.raises(Boom), db.session.begin_nested():
        create_tenant("inside")
        uow.after_commit(ran.append, "inside")
        raise Boom
    create_tenant("after")
    uow.after_commit(ran.append, "after")
    with db.session.begin_nested():
        create_tenant("released")
        uow.after_commit(ran.append, "released")
    assert ran == []  # releasing a savepoint commits nothing: its hooks wait
    db.session.commit()
    assert ran == ["before", "after", "released"]
    assert _subdomains() == {"before", "after", "released"}


def test_rolling_back_an_outer_savepoint_drops_the_hooks_of_savepoints_inside_it(create_tenant):
    ran: list[str] = []
    uow.after_commit(ran.append, "kept")
    outer = db.session.begin_nested()
    with db.session.begin_nested():
        create_tenant("inner")
        uow.after_commit(ran.append, "inner released")
    uow.after_commit(ran.append, "outer")
    outer.rollback()
    db.session.commit()
    assert ran == ["kept"]
    assert _subdomains() == set()


def test_a_database_error_inside_a_savepoint_drops_only_its_hooks(create_tenant):
    ran: list[str] = []
    create_tenant("taken")
    uow.after_commit(ran.append, "before")
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        uow.after_commit(ran.append, "duplicate")
        create_tenant("taken")  # the unique subdomain fails at flush, inside the savepoint
    db.session.commit()
    assert ran == ["before"]
    assert _subdomains() == {"taken"}


def test_a_rollback_drops_every_hook_and_a_closed_session_carries_none_over(create_tenant):
    ran: list[str] = []
    with db.session.begin_nested():
        uow.after_commit(ran.append, "released")
    uow.after_commit(ran.append, "outer")
    db.session.rollback()
    db.session.commit()
    assert ran == []
    create_tenant("closed")
    uow.after_commit(ran.append, "closed")
    db.session.close()  # ends the transaction without a rollback event
    create_tenant("next")
    db.session.commit()
    assert ran == []
    assert _subdomains() == {"next"}


def test_a_failing_hook_does_not_stop_the_others(create_tenant):
    ran: list[str] = []

    def fail() -> None:
        raise Boom

    uow.after_commit(fail)
    uow.after_commit(ran.append, "second")
    create_tenant("one")
    db.session.commit()
    assert ran == ["second"]


# ---------------------------------------------------------------- 5: one request boundary

HOOKS: list[str] = []


def _tenant(subdomain: str) -> None:
    db.session.add(Tenant(name=subdomain, subdomain=subdomain, status="active", timezone="UTC", currency="KZT"))
    db.session.flush()
    uow.after_commit(HOOKS.append, subdomain)


@pytest.fixture(scope="module")
def boundary_app(app_config):
    """The real app (handlers, hosts, error pages) with a few routes that write and then end
    in every way a request can end."""
    from flask import abort, redirect

    from app import create_app
    from app.core.errors import ValidationError

    app = create_app("testing", **app_config)

    def ok():
        _tenant("ok")
        return "done"

    def error_status():
        _tenant("status")
        return "not done", 422

    def raised():
        _tenant("raised")
        raise ValidationError.field("name", "no")

    def aborted():
        _tenant("aborted")
        abort(redirect("/elsewhere"))

    def recovered():
        _tenant("kept")
        try:
            with uow.savepoint():
                _tenant("undone")
                raise ValidationError.field("name", "no")
        except ValidationError:
            pass
        return redirect("/elsewhere")

    def commit_fails():
        db.session.add(Tenant(name="a", subdomain="twice", status="active", timezone="UTC", currency="KZT"))
        db.session.add(Tenant(name="b", subdomain="twice", status="active", timezone="UTC", currency="KZT"))
        return "done"  # the duplicate is only flushed by the boundary's commit

    for fn in (ok, error_status, raised, aborted, recovered, commit_fails):
        app.add_url_rule(f"/uow/{fn.__name__}", fn.__name__, fn, methods=["POST"])
    return app


@pytest.fixture
def post(boundary_app):
    HOOKS.clear()
    client = boundary_app.test_client()

    def do(name: str, **kw):
        return client.post(f"/uow/{name}", headers={"Host": "localhost:5000"}, **kw)

    return do


def test_a_request_that_ends_well_commits_and_runs_its_hooks(post):
    assert post("ok").status_code == 200
    assert (_subdomains(), HOOKS) == ({"ok"}, ["ok"])


@pytest.mark.parametrize(("name", "status"), [("error_status", 422), ("raised", 422), ("aborted", 302)])
def test_an_error_response_or_an_exception_rolls_back(post, name, status):
    """Also an exception that carries a non-error response (``abort(redirect(...))``)."""
    assert post(name).status_code == status
    assert (_subdomains(), HOOKS) == (set(), [])


def test_a_view_recovering_from_a_service_error_keeps_the_rest_of_its_request(post):
    """The failed call ran in ``uow.savepoint()``: its write and hook are undone, the request's others are not."""
    assert post("recovered").status_code == 302
    assert (_subdomains(), HOOKS) == ({"kept"}, ["kept"])


def test_a_commit_the_database_refuses_answers_409_and_stores_nothing(post):
    resp = post("commit_fails")
    assert resp.status_code == 409
    assert _subdomains() == set()


def test_views_and_api_never_commit_or_roll_back_themselves():
    """The boundary is the one place; a view that recovers from an error uses ``uow.savepoint()``."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "app"
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for base in ("web", "api")
        for path in sorted((root / base).rglob("*.py"))
        if path.name != "health.py"  # the probe resets its own failed check; it writes nothing
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "session.commit(" in line or "session.rollback(" in line
    ]
    assert offenders == []
