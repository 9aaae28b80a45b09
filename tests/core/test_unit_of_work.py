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
