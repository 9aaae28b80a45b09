"""WSGI layers that answer some requests before Flask runs, and hand every other request on.

Two use it: the API's warm public reads (app/api/v1/fastpath.py) and the booking page's first
visit (app/web/public/fastpage.py).  A layer says which requests it looks at
(:meth:`EarlyAnswers.wants`) and answers one as ``(status, headers, body)`` or ``None``
(:meth:`EarlyAnswers.answer`); ``None``, or any error in it, lets Flask answer the request
as if the layer were not there.  :func:`log_and_count` writes the access log line and the
request metrics a Flask request gets.
"""

from __future__ import annotations

import logging
import time

from flask import Flask

from app.core import logs, metrics

log = logging.getLogger(__name__)


class EarlyAnswers:
    """Put in front of ``app.wsgi_app``: ``app.wsgi_app = Layer(app, app.wsgi_app)``."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def wants(self, environ: dict) -> bool:
        """Whether to try answering this request here (cheap: the environ only)."""
        raise NotImplementedError

    def answer(self, environ: dict, started: float) -> tuple[str, list, bytes] | None:
        """The answer as (status, headers, body), or ``None`` to let Flask answer."""
        raise NotImplementedError

    def __call__(self, environ, start_response):
        if not self.wants(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            response = self.answer(environ, started)
        except Exception:  # never worse than Flask's own path
            log.warning("%s failed; Flask answers instead", type(self).__name__, exc_info=True)
            response = None
        if response is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = response
        start_response(status, headers)
        return [body]


def log_and_count(app: Flask, req, endpoint: str, status: int, started: float, rid: str, tenant: str | None) -> None:
    """The access log line (under request id ``rid``) and the request metrics of a request
    answered by a layer, as Flask's path writes them (app.core.logs, app.core.metrics)."""
    duration = time.perf_counter() - started
    if app.config.get("ACCESS_LOG", True):
        token = logs.REQUEST_ID.set(rid)
        try:
            logs.log_access(req, status, duration, tenant, None)
        finally:
            logs.REQUEST_ID.reset(token)
    metrics.observe_request(req.method, endpoint, status, duration)
