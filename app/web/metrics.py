"""``GET /metrics``: the Prometheus text format, for configured networks or a token holder.

Served by a small WSGI layer in front of the routes, so it answers on any ``Host`` (a
scraper addresses the instance by IP) and costs no routing, session or tenant work.  It
answers callers from ``METRICS_ALLOW`` (CIDR list; default loopback) or with
``Authorization: Bearer $METRICS_TOKEN``; everyone else gets 404, as if it did not exist.

Besides the numbers of :mod:`app.core.metrics` it reports, at scrape time, the depth of each
RQ queue (and its failed-job registry) and the outbox backlog per channel.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Flask, request, request_finished
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from rq import Queue

from app.core import metrics, tenancy
from app.core.jobs import QUEUES
from app.core.logs import request_duration
from app.core.redis import get_redis
from app.extensions import db
from app.notifications.queries import backlog_by_channel

log = logging.getLogger(__name__)
PATH = "/metrics"


class ScrapeCollector:
    """Numbers read when scraped: worker counters in Redis, queue depth, outbox backlog."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        prefix = self.app.config.get("RQ_QUEUE_PREFIX") or ""
        try:
            r = get_redis()
            yield from metrics.redis_families(r, prefix)
            depth = GaugeMetricFamily("jazyl_queue_depth", "Jobs waiting in each RQ queue", labels=["queue"])
            failed = GaugeMetricFamily("jazyl_queue_failed", "Jobs in each queue's failed registry", labels=["queue"])
            for name in QUEUES:
                q = Queue(prefix + name, connection=r)
                depth.add_metric([name], q.count)
                failed.add_metric([name], q.failed_job_registry.count)
            yield depth
            yield failed
        except Exception as exc:  # Redis down: the database numbers still answer
            log.warning("metrics: redis numbers unavailable (%s)", exc)
        try:
            with tenancy.unscoped("metrics scrape"):
                backlog = backlog_by_channel()
            gauge = GaugeMetricFamily(
                "jazyl_outbox_backlog", "Notifications queued or being sent, per channel", labels=["channel"]
            )
            for channel in ("email", "sms"):
                gauge.add_metric([channel], backlog.get(channel, 0))
            yield gauge
        except Exception as exc:
            log.warning("metrics: outbox numbers unavailable (%s)", exc)
        finally:
            db.session.remove()  # the scrape only reads; removing the session ends its transaction


def allowed(app: Flask, environ: dict) -> bool:
    token = app.config.get("METRICS_TOKEN")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if token and auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip(), token):
        return True
    try:
        addr = ipaddress.ip_address((environ.get("REMOTE_ADDR") or "").split("%")[0])
    except ValueError:
        return False
    for net in app.config.get("METRICS_ALLOW") or ():
        try:
            if addr in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


class MetricsMiddleware:
    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.collector = ScrapeCollector(app)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        if not allowed(self.app, environ):
            start_response("404 NOT FOUND", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found.\n"]
        with self.app.app_context():
            body = metrics.exposition(self.collector)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body] if environ["REQUEST_METHOD"] == "GET" else [b""]


def _observe(sender: Flask, response, **_) -> None:
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else "unmatched"
    metrics.observe_request(request.method, endpoint, response.status_code, request_duration())


def install(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` (call before ProxyFix wraps it, so REMOTE_ADDR is the real client)."""
    app.wsgi_app = MetricsMiddleware(app, app.wsgi_app)
    request_finished.connect(_observe, app)
