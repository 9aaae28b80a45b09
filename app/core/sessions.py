"""The cookie session, minus its work on answers that are the same for every cookie.

Flask adds ``Vary: Cookie`` to any response whose request looked at the session, and
Flask-Login looks on every request (its remember-me check).  A public API answer
(app/api/v1/caching.py) is the same whoever asks: marked with :func:`same_for_everyone`, it
gets neither ``Vary: Cookie`` (which would stop a CDN from sharing it) nor a refreshed
session cookie, unless the request changed the session.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface

_MARK = "same_for_everyone"


def same_for_everyone(response: Response) -> Response:
    setattr(response, _MARK, True)
    return response


class SessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session, response: Response) -> None:
        if getattr(response, _MARK, False) and not session.modified:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
