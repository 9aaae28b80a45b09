"""`python worker.py`: the RQ worker with its scheduler and the periodic jobs.

Listens on the queues ``notifications``, ``default`` and ``low`` (each prefixed with the
app's ``RQ_QUEUE_PREFIX``), with RQ's scheduler on (retries with a delay, scheduled jobs)
and the periodic loop (:mod:`app.core.periodic`: outbox and reminder sweeps, health check,
trial expiry, cleanup, daily roll-up; each period's job enqueued once however many
workers run).  SIGTERM/SIGINT: the job in hand is finished, then the worker exits.

Options:
  --workers N      run N worker processes (default: WORKERS env or 1)
  --burst          process what is queued and exit (scripts, tests)
  --prefix P       queue prefix, overriding the app's RQ_QUEUE_PREFIX
  --no-periodic    do not run the periodic loop in this process

Configuration is the app's (environment variables; with none, the embedded SQLite and
Redis under ``instance/``).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS") or 1))
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--prefix", default=None)
    parser.add_argument("--no-periodic", action="store_true")
    return parser.parse_args(argv)


def run_pool(args: argparse.Namespace, argv: list[str]) -> int:
    """N independent worker processes; SIGTERM is passed on and every child is waited for."""
    base = [sys.executable, str(Path(__file__).resolve())]
    cleaned, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--workers":
            skip = True
            continue
        if a.startswith("--workers="):
            continue
        cleaned.append(a)
    rest = cleaned
    children = []
    for i in range(args.workers):
        extra = [] if i == 0 else ["--no-periodic"]
        children.append(subprocess.Popen([*base, "--workers", "1", *rest, *extra]))

    stopping = []

    def forward(signum, frame):
        stopping.append(signum)
        for c in children:
            if c.poll() is None:
                c.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = []
    for c in children:
        while True:
            try:
                codes.append(c.wait())
                break
            except InterruptedError:
                continue
    if stopping:  # a child stopped by the signal we passed on has shut down as asked
        codes = [0 if code in (-signal.SIGTERM, -signal.SIGINT) else code for code in codes]
    return max(codes, key=abs) if codes else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.workers > 1:
        return run_pool(args, argv)
    try:
        from dotenv import load_dotenv

        load_dotenv(ROOT / ".env")
    except ImportError:  # pragma: no cover
        pass

    from rq import Queue, Worker

    from app import create_app
    from app.core.jobs import QUEUES, set_worker_app
    from app.core.periodic import PeriodicLoop
    from app.core.redis import connect

    overrides = {"RQ_QUEUE_PREFIX": args.prefix} if args.prefix is not None else {}
    app = create_app(**overrides)
    set_worker_app(app)
    prefix = app.config.get("RQ_QUEUE_PREFIX") or ""
    # A connection of its own without a read timeout: the worker blocks on BLPOP for minutes.
    connection = connect(app.config, socket_timeout=None, connect_timeout=5)
    queues = [Queue(prefix + name, connection=connection) for name in QUEUES]
    worker = Worker(queues, connection=connection)
    loop = None
    if not args.no_periodic and not args.burst:
        loop = PeriodicLoop(app)
        loop.start()
    logging.getLogger(__name__).info("worker on %s", ", ".join(q.name for q in queues))
    try:
        # RQ's own per-job lines (three for every periodic tick) drown the useful ones at INFO.
        worker.work(
            burst=args.burst, with_scheduler=True, logging_level=os.environ.get("WORKER_LOG_LEVEL", "WARNING").upper()
        )
    finally:
        if loop is not None:
            loop.stop()
            loop.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
