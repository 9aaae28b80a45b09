"""The deployment files work as deployed: Dockerfile, docker-compose.yml (and the Sentinel
override), .dockerignore, the nginx template, gunicorn.conf.py and deploy.sh.

No Docker engine is needed, and no test reads a comment or a line's layout.  The compose
files are read the way compose reads them: YAML with its merge keys, the override merged
in, ``${VAR:-default}`` interpolated (with an empty environment unless a test sets one),
then validated against the Compose Specification's JSON schema (tests/data/compose-spec.json,
the compose-spec project's schema as vendored by check-jsonschema; Apache-2.0, licence
beside it).  The result is checked against the project itself: the commands resolve to its
gunicorn config and WSGI app, its Flask CLI and its worker; the worker listens on every
queue a job is declared on; the environment is read by the app and passes its production
checks; the health checks run against the real app; ports, volumes and start order line
up.  The Dockerfile is parsed into stages and instructions and checked the same way, and
its build context is computed from .dockerignore.  nginx's template is rendered as the
image's entrypoint renders it, gunicorn.conf.py is executed, and deploy.sh runs against a
fake ``docker``.  ``docker compose config`` and ``nginx -t`` run where they are installed.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import os
import re
import runpy
import shlex
import shutil
import stat
import subprocess
import sys
import threading
import tomllib
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
SENTINEL = ROOT / "docker-compose.sentinel.yml"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
DEPLOY_SH = ROOT / "deploy.sh"
COMPOSE_SCHEMA = Path(__file__).resolve().parent / "data" / "compose-spec.json"
APP_SERVICES = ("migrate", "web", "worker")
LAYOUTS = {"compose": (COMPOSE,), "compose+sentinel": (COMPOSE, SENTINEL)}


@pytest.fixture(autouse=True)
def _clean():
    """These tests write nothing to the database or Redis: no per-test emptying of tables."""
    return


@pytest.fixture(autouse=True)
def _metrics_dir_restored(monkeypatch):
    """gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR when absent; left set, later tests in this
    process would read their metrics from that directory. Set-then-delete makes monkeypatch
    record the value before the test (or its absence) and put it back."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")


# --- compose: read as compose reads it -----------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value, env: dict[str, str]):
    """Compose's interpolation: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?error}``, ``${VAR:+alternative}``; an unset variable is empty."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(m: re.Match) -> str:
        if m["escaped"]:
            return "$"
        name = m["braced"] or m["bare"]
        op, arg, current = m["op"], m["arg"], env.get(m["braced"] or m["bare"])
        if op in (":-", "-"):
            return current if current or (op == "-" and current is not None) else arg
        if op in (":?", "?"):
            if not current and (op == ":?" or current is None):
                raise AssertionError(f"compose would refuse: {name} is required ({arg})")
            return current
        if op in (":+", "+"):
            return arg if current or (op == "+" and current is not None) else ""
        return current or ""

    return _VARIABLE.sub(substitute, value)


def merge(base, override):
    """Compose's merge of an override file: mappings merge, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


@functools.cache
def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text())  # PyYAML resolves anchors and ``<<`` merge keys


def compose_model(layout: str = "compose", env: dict[str, str] | None = None) -> dict:
    merged: dict = {}
    for path in LAYOUTS[layout]:
        merged = merge(merged, _raw(path))
    return interpolate(merged, env or {})


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts, duration
    return sum(float(n) * units[u] for n, u in parts)


@functools.cache
def compose_validator():
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(COMPOSE_SCHEMA.read_text()), validate_formats=True)


def schema_errors(document: dict) -> list[str]:
    errors = compose_validator().iter_errors(document)
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message[:200]}" for e in errors]


# --- Dockerfile: parsed into stages ---------------------------------------------------------


@functools.cache
def dockerfile_stages() -> tuple[tuple[tuple[str, str], ...], ...]:
    """Stages of (INSTRUCTION, arguments), continuations joined, comments and directives dropped."""
    instructions, buf = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1].strip() + " "
            continue
        keyword, _, args = (buf + line).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        buf = ""
    assert not buf, "the Dockerfile ends inside a line continuation"
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in instructions:
        if keyword == "FROM":
            stages.append([])
        elif not stages and keyword != "ARG":
            raise AssertionError(f"{keyword} before the first FROM")
        if stages:
            stages[-1].append((keyword, args))
    return tuple(tuple(s) for s in stages)


def stage_name(stage) -> str | None:
    m = re.search(r"\bAS\s+(\S+)\s*$", stage[0][1], re.I)
    return m.group(1) if m else None


def runtime_stage():
    return dockerfile_stages()[-1]


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) command, or the shell form's words."""
    return json.loads(args) if args.lstrip().startswith("[") else ["/bin/sh", "-c", args]


def copy_args(args: str) -> tuple[dict[str, str], list[str], str]:
    words = shlex.split(args)
    flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
    paths = [w for w in words if not w.startswith("--")]
    return flags, paths[:-1], paths[-1]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for kw, args in runtime_stage():
        if kw == "ENV":
            env.update(w.split("=", 1) for w in shlex.split(args) if "=" in w)
    return env


def healthcheck_command(args: str) -> str:
    _options, _, command = args.partition(" CMD ")
    assert command, f"HEALTHCHECK without CMD: {args}"
    return command.strip()


# --- .dockerignore: the build context -------------------------------------------------------


def _ignore_rx(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            out += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
            i += 1
    return re.compile(out + "$")


@functools.cache
def _ignore_rules() -> tuple[tuple[bool, re.Pattern], ...]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negate, _ignore_rx(pattern)))
    return tuple(rules)


def in_build_context(path: str) -> bool:
    """Whether ``docker build .`` sends ``path``: the last rule matching it or a parent wins."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    sent = True
    for negate, rx in _ignore_rules():
        if any(rx.match(c) for c in candidates):
            sent = negate
    return sent


# --- the project's side: commands, queues, environment --------------------------------------


@pytest.fixture
def load_wsgi(app, monkeypatch):
    """Import ``wsgi`` as gunicorn and ``flask --app wsgi`` do, its factory giving the test app."""
    import dotenv

    import app as app_package

    monkeypatch.setattr(app_package, "create_app", lambda *a, **kw: app)
    monkeypatch.setattr(dotenv, "load_dotenv", lambda *a, **kw: False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    monkeypatch.delitem(sys.modules, "wsgi", raising=False)
    monkeypatch.chdir(ROOT)  # where the image and `flask --app wsgi` import it from
    yield app
    sys.modules.pop("wsgi", None)


def check_gunicorn_command(argv: list[str]) -> None:
    from gunicorn.config import Config as GunicornConfig
    from gunicorn.util import import_app

    assert argv[0] == "gunicorn" and importlib.util.find_spec("gunicorn"), argv
    options = GunicornConfig().parser().parse_args(argv[1:])
    assert options.config, "gunicorn runs without its config file"
    assert (ROOT / options.config).is_file(), options.config
    runpy.run_path(str(ROOT / options.config))
    (uri,) = options.args
    wsgi = import_app(uri)  # gunicorn's own resolution of "module:attribute"
    assert callable(wsgi) and hasattr(wsgi, "url_map"), uri


def check_flask_command(argv: list[str], capsys) -> None:
    from flask.cli import cli

    assert argv[0] == "flask", argv
    code = cli.main(args=[*argv[1:], "--help"], prog_name="flask", standalone_mode=False)
    assert code == 0, f"`{' '.join(argv)}` is not a command of the app"
    assert "Usage:" in capsys.readouterr().out


def check_worker_command(argv: list[str]) -> None:
    assert argv[:2] == ["python", "worker.py"], argv
    assert (ROOT / argv[1]).is_file()
    spec = importlib.util.spec_from_file_location("jazyl_worker_entry", ROOT / argv[1])
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    worker.parse_args(argv[2:])  # the options it is given are options it takes


def check_command(argv: list[str], capsys) -> None:
    if argv[0] == "gunicorn":
        check_gunicorn_command(argv)
    elif argv[0] == "flask":
        check_flask_command(argv, capsys)
    else:
        check_worker_command(argv)


def declared_job_queues() -> set[str]:
    """Queues of every ``@job`` in the app (each module imported; a job records its queue)."""
    import pkgutil

    import app as app_package

    queues = set()
    for info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, types.FunctionType) and isinstance(getattr(value, "queue_name", None), str):
                queues.add(value.queue_name)
    return queues


@functools.cache
def names_the_project_reads() -> frozenset[str]:
    """Every ENV_VAR-like string literal in the project's Python code (how it names variables)."""
    files = [*sorted((ROOT / "app").rglob("*.py")), ROOT / "wsgi.py", ROOT / "worker.py", GUNICORN_CONF]
    literal = re.compile(r"""["']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})["']""")
    return frozenset(name for path in files for name in literal.findall(path.read_text()))


# --- a local HTTP server: the real app, or a stand-in answering a chosen status -------------


@pytest.fixture
def app_server(app):
    """The test app served over HTTP on a free loopback port: yields (port, seen, state).

    ``seen`` records (path, Host, X-Forwarded-Proto) of each request; ``state["status"]``, when
    set, is answered instead of the app's own answer (an app whose database is down answers 503)."""
    from werkzeug.serving import make_server

    seen: list[tuple[str, str | None, str | None]] = []
    state: dict[str, int | None] = {"status": None}

    def recording(environ, start_response):
        seen.append((environ["PATH_INFO"], environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_PROTO")))
        if state["status"] is not None:
            start_response(f"{state['status']} Unavailable", [("Content-Type", "application/json")])
            return [b'{"status": "degraded"}']
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_port, seen, state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def health_server():
    """A loopback HTTP server recording (path, Host, X-Forwarded-Proto) and answering a chosen status."""
    seen: list[tuple[str, str | None, str | None]] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Host"), self.headers.get("X-Forwarded-Proto")))
            body = b'{"status": "ok"}'
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen, state
    finally:
        server.shutdown()
        server.server_close()


def run_probe(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=15)


# === docker-compose.yml (and the Sentinel override) ========================================


@pytest.mark.parametrize("layout", LAYOUTS)
def test_compose_configuration_is_valid_against_the_compose_specification(layout):
    for path in LAYOUTS[layout]:
        assert schema_errors(_raw(path)) == [], path.name  # each file as written
    assert schema_errors(compose_model(layout)) == []  # merged and interpolated
    assert schema_errors(compose_model(layout, {"WORKER_REPLICAS": "3", "HTTP_PORT": "8080"})) == []


def test_the_schema_check_catches_what_compose_would_refuse():
    broken = compose_model()
    broken["services"]["web"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["worker"]["depends_on"]["migrate"]["condition"] = "service_finished"
    errors = schema_errors(broken)
    assert any("intervall" in e for e in errors) and len(errors) >= 2


@pytest.mark.parametrize("layout", LAYOUTS)
def test_compose_runs_with_no_variable_set(layout):
    """Every variable has a default: ``config`` and ``up`` work before a .env exists."""
    names = set()

    def scan(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                scan(v)
        elif isinstance(value, list):
            for v in value:
                scan(v)
        elif isinstance(value, str):
            found = _VARIABLE.finditer(value)
            names.update(m["braced"] or m["bare"] for m in found if m["bare"] or (m["braced"] and not m["op"]))

    for path in LAYOUTS[layout]:
        scan(_raw(path))
    assert names == set(), f"variables without a default: {sorted(names)}"
    services = compose_model(layout)["services"]
    for name in APP_SERVICES:
        assert all(value for value in environment(services[name]).values()), name


def test_every_service_runs_a_pinned_image_or_builds_this_repository():
    for name, service in compose_model()["services"].items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            context = ROOT / service["build"]["context"]
            assert context.resolve() == ROOT, name
            assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file(), name
        else:
            assert not service["image"].endswith(":latest") and ":" in service["image"], name


def test_the_app_services_share_the_image_built_from_this_repository():
    services = compose_model()["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    assert all(services[name]["build"]["context"] == "." for name in APP_SERVICES)


def test_dependencies_exist_and_can_report_ready():
    """compose refuses ``service_healthy`` on a service without a health check and waits for
    ``service_completed_successfully`` forever on one that restarts."""
    services = compose_model()["services"]
    image_has_healthcheck = any(kw == "HEALTHCHECK" for kw, _ in runtime_stage())
    for name, service in services.items():
        for dep, spec in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            target = services[dep]
            check = target.get("healthcheck") or {}
            if spec["condition"] == "service_healthy":
                assert not check.get("disable"), f"{dep} has its health check turned off"
                assert check.get("test") or ("build" in target and image_has_healthcheck), dep
            if spec["condition"] == "service_completed_successfully":
                assert target.get("restart", "no") == "no", f"{dep} restarts, so it never completes"


def test_migrations_run_before_the_web_app_and_the_worker_start():
    services = compose_model()["services"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_services_without_an_http_server_turn_off_the_images_http_health_check():
    services = compose_model()["services"]
    web_command = exec_form(next(a for k, a in runtime_stage() if k == "CMD"))
    for name in APP_SERVICES:
        if services[name]["command"] != web_command:
            assert services[name]["healthcheck"].get("disable") is True, name


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_commands_exist_in_the_project(service, load_wsgi, capsys):
    check_command(compose_model()["services"][service]["command"], capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["flask", "--app", "wsgi", "db", "upgrade"],
        ["flask", "--app", "wsgi", "create-admin", "--email", "E", "--password", "P"],
        ["flask", "--app", "wsgi", "seed-demo"],
        ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        ["python", "worker.py"],
    ],
    ids=lambda argv: " ".join(argv[:5]),
)
def test_the_operations_contract_commands_exist(argv, load_wsgi, capsys):
    check_command(argv, capsys)


def test_the_worker_listens_on_every_queue_a_job_is_declared_on(app, monkeypatch):
    import dotenv
    import rq

    import app as app_package

    listened: list[str] = []

    class Worker:
        def __init__(self, queues, connection=None):
            listened.extend(q.name for q in queues)

        def work(self, **kwargs):
            return True

    monkeypatch.setattr(app_package, "create_app", lambda *a, **kw: app)
    monkeypatch.setattr(dotenv, "load_dotenv", lambda *a, **kw: False)
    monkeypatch.setattr(rq, "Worker", Worker)
    monkeypatch.setattr("app.core.jobs._worker_app", None, raising=False)
    spec = importlib.util.spec_from_file_location("jazyl_worker_entry", ROOT / "worker.py")
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    assert worker.main(["--burst", "--prefix", ""]) == 0
    prefix = app.config.get("RQ_QUEUE_PREFIX") or ""  # a job is enqueued under the app's prefix
    assert all(name.startswith(prefix) for name in listened)
    worked_on = {name.removeprefix(prefix) for name in listened}
    declared = declared_job_queues()
    assert declared  # notifications, default, low
    assert declared <= worked_on, f"queues nobody works on: {sorted(declared - worked_on)}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_app_services_environment_is_read_by_the_project(layout):
    services = compose_model(layout)["services"]
    for name in APP_SERVICES:
        unread = set(environment(services[name])) - names_the_project_reads()
        assert not unread, f"{name} sets variables nothing reads: {sorted(unread)}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_app_services_environment_passes_the_production_checks(layout, monkeypatch):
    """With what deploy.sh insists .env provides (SECRET_KEY, SERVER_NAME), each app service's
    environment is accepted by the production configuration."""
    from app.config import CONFIGS

    dot_env = {"SECRET_KEY": "Zk3j4h5g6f7d8s9a0p1o2i3u4y5t6r7e8w9qLmNb", "SERVER_NAME": "jazyl.test"}
    services = compose_model(layout)["services"]
    for name in APP_SERVICES:
        env = {**dot_env, **environment(services[name])}
        for key in ("DATABASE_URL", "REDIS_URL", "REDIS_SENTINELS", "SERVER_NAME", "SECRET_KEY", "BILLING_PROVIDER"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        config_class = CONFIGS[env["APP_ENV"]]
        assert config_class.ENV_NAME == "production", name
        config = {"REDIS_URL": env.get("REDIS_URL"), "REDIS_SENTINELS": env.get("REDIS_SENTINELS")}
        config_class.finalize(config)  # raises ConfigError on anything unsafe
        assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"), name


@pytest.mark.parametrize(
    "env",
    [{}, {"POSTGRES_USER": "boss", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "prod", "APP_DB_PASSWORD": "app-pw"}],
    ids=["defaults", "from .env"],
)
def test_database_urls_reach_the_bundled_postgres_as_the_roles_it_creates(env):
    services = compose_model(env=env)["services"]
    pg = environment(services["postgres"])
    init_mount = next(v for v in services["postgres"]["volumes"] if v.split(":")[1] == "/docker-entrypoint-initdb.d")
    init_script = "\n".join(p.read_text() for p in sorted((ROOT / init_mount.split(":")[0]).glob("*.sh")))
    assert "APP_DB_USER" in init_script and "APP_DB_PASSWORD" in init_script  # the role it creates
    owner = sa.engine.make_url(environment(services["migrate"])["DATABASE_OWNER_URL"])
    assert (owner.username, owner.password) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
    for name in APP_SERVICES:
        url = sa.engine.make_url(environment(services[name])["DATABASE_URL"])
        assert url.host in services and "postgres" in services[url.host]["image"], name
        assert (url.port or 5432, url.database) == (5432, pg["POSTGRES_DB"]), name
        # The app's role, held by row-level security; only the migrations hold the owner's.
        assert (url.username, url.password) == (pg["APP_DB_USER"], pg["APP_DB_PASSWORD"]), name
    assert all("DATABASE_OWNER_URL" not in environment(services[name]) for name in ("web", "worker"))


def test_redis_url_reaches_the_bundled_redis():
    services = compose_model()["services"]
    for name in APP_SERVICES:
        url = sa.engine.make_url(environment(services[name])["REDIS_URL"])
        assert url.host in services and "redis" in services[url.host]["image"], name
        port_flag = services[url.host].get("command", [])
        port = port_flag[port_flag.index("--port") + 1] if "--port" in port_flag else "6379"
        assert str(url.port or 6379) == port, name


def test_the_web_app_listens_where_nginx_and_its_health_check_look(monkeypatch):
    services = compose_model()["services"]
    web, nginx = services["web"], services["nginx"]
    for key, value in environment(web).items():
        monkeypatch.setenv(key, value)
    port = runpy.run_path(str(GUNICORN_CONF))["bind"].rsplit(":", 1)[1]
    assert port in [str(p) for p in web["expose"]]
    assert "ports" not in web, "the web app is reached through nginx only"
    probe = web["healthcheck"]["test"][-1]
    assert re.findall(r"127\.0\.0\.1:(\d+)/health", probe) == [port]
    rendered = render_like_nginx_entrypoint(nginx_template(), {**environment(nginx), "PATH": "/usr/bin"})
    assert re.findall(r"http://([\w.-]+):(\d+)", rendered) == [("web", port)]
    published = {p.rsplit(":", 1)[-1] for p in nginx["ports"]}
    listening = set(re.findall(r"^\s*listen\s+(\d+)", rendered, re.M))
    assert published == listening == {"80", "443"}


def test_compose_stops_the_web_app_only_after_gunicorns_graceful_timeout(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    graceful = runpy.run_path(str(GUNICORN_CONF))["graceful_timeout"]
    assert seconds(compose_model()["services"]["web"]["stop_grace_period"]) > graceful


def test_the_worker_scales_to_the_replicas_asked_for():
    worker = compose_model(env={"WORKER_REPLICAS": "3"})["services"]["worker"]
    assert int(worker["deploy"]["replicas"]) == 3
    assert int(compose_model()["services"]["worker"]["deploy"]["replicas"]) == 1
    assert "container_name" not in worker, "replicas need generated names"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_named_volumes_are_declared_and_bind_mounts_exist(layout):
    model = compose_model(layout)
    declared = set(model.get("volumes") or {})
    for name, service in model["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                if "certs" not in source and "acme" not in source:  # the operator's certificates
                    assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_the_web_health_check_passes_against_the_app_and_fails_on_a_503(app, app_server):
    """With SERVER_NAME set Flask routes by Host, and behind nginx every request is https."""
    port, seen, state = app_server
    test = compose_model()["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    probe, env = test[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}"), {"SERVER_NAME": app.config["SERVER_NAME"]}
    up = run_probe(probe, env)
    assert up.returncode == 0, up.stderr
    assert seen == [("/health", app.config["SERVER_NAME"], "https")]
    state["status"] = 503
    assert run_probe(probe, env).returncode != 0


def test_the_sentinel_override_points_every_app_service_at_sentinels_watching_the_primary():
    from app.config import Config

    services = compose_model("compose+sentinel")["services"]
    envs = [environment(services[name]) for name in APP_SERVICES]
    assert len({(env["REDIS_SENTINELS"], env["REDIS_SENTINEL_MASTER"]) for env in envs}) == 1
    sentinels = dict(h.split(":") for h in envs[0]["REDIS_SENTINELS"].split(","))
    assert len(sentinels) == 3 and set(sentinels) <= set(services)
    for sentinel, port in sentinels.items():
        script = services[sentinel]["command"][-1]
        settings = dict(line.split(" ", 1) for line in re.findall(r"'([a-z-]+ [^']+)'", script))
        assert settings["port"] == port
        monitor = re.search(r"'sentinel monitor (\S+) (\S+) (\d+) (\d+)'", script)
        master, host, redis_port, quorum = monitor.groups()
        assert master == envs[0]["REDIS_SENTINEL_MASTER"]
        assert host in services and redis_port == "6379"
        assert len(sentinels) // 2 < int(quorum) <= len(sentinels)  # a majority decides
    replica = services["redis-replica"]["command"]
    assert replica[replica.index("--replicaof") + 1] in services
    assert hasattr(Config, "REDIS_SENTINELS") and hasattr(Config, "REDIS_SENTINEL_MASTER")


def test_docker_compose_config_agrees_with_this_reading(tmp_path):
    if shutil.which("docker") is None:
        pytest.skip("the docker binary is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        pytest.skip(
            "'docker compose' (Compose v2 plugin) is not installed, so `docker compose config` cannot run: "
            + ((probe.stderr or probe.stdout).strip().splitlines() or ["?"])[0][:200]
        )
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("")
    env = {"SERVER_NAME": "jazyl.test", "POSTGRES_PASSWORD": "pw", "WORKER_REPLICAS": "3"}
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(empty_env), "-f", str(COMPOSE), "config", "--format", "json"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    theirs, ours = json.loads(result.stdout)["services"], compose_model(env=env)["services"]
    for name in ours:
        assert theirs[name].get("command") == ours[name].get("command"), name
        assert theirs[name].get("environment", {}) == environment(ours[name]), name
    assert theirs["worker"]["deploy"]["replicas"] == 3


# === Dockerfile =============================================================================


def test_the_image_builds_its_assets_in_a_stage_the_runtime_copies_from():
    stages = dockerfile_stages()
    names = [stage_name(s) for s in stages]
    for i, stage in enumerate(stages):
        for kw, args in stage:
            if kw == "COPY" and "from" in copy_args(args)[0]:
                assert copy_args(args)[0]["from"] in names[:i], f"COPY --from an unknown or later stage: {args}"
    build = json.loads((ROOT / "package.json").read_text())["scripts"]["build"]
    script = shlex.split(build)[1] if build.startswith("node ") else None
    assert script is None or in_build_context(script), f"the assets stage needs {script}"
    assert any(kw == "RUN" and "npm run build" in args for kw, args in stages[0])


def test_every_copy_source_exists_and_is_in_the_build_context():
    for stage in dockerfile_stages():
        for kw, args in stage:
            if kw != "COPY" or "from" in copy_args(args)[0]:
                continue
            for source in copy_args(args)[1]:
                assert (ROOT / source).exists(), source
                assert source == "." or in_build_context(source), f"{source} is left out by .dockerignore"


def test_the_build_context_keeps_secrets_and_state_out_and_the_code_in():
    for path in (
        ".env",
        ".env.production",
        "instance/jazyl.db",
        "instance/secret_key",
        "deploy/certs/privkey.pem",
        "deploy/nginx/server.key",
        ".git/HEAD",
        "node_modules/htmx.org/package.json",
        "app/__pycache__/config.cpython-311.pyc",
        ".venv/bin/python",
        "translations/ru/LC_MESSAGES/messages.mo",  # compiled in the image
        "app/static/vendor/htmx.min.js",  # built in the image
    ):
        assert not in_build_context(path), f"{path} would be sent to the image build"
    assert in_build_context(".env.example")
    tracked = subprocess.run(
        ["git", "ls-files", "app", "migrations", "translations", "scripts", "*.py", "*.lock", "package*.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    missing = [p for p in tracked.stdout.split() if not in_build_context(p)]
    assert missing == [], "the image would miss tracked files"


def test_the_image_python_satisfies_the_project():
    from packaging.specifiers import SpecifierSet

    image = runtime_stage()[0][1].split()[0]
    version = re.match(r"python:(\d+\.\d+)", image)
    assert version, f"the runtime is not a python image: {image}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version.group(1) in SpecifierSet(requires)


def test_the_image_installs_the_locked_dependencies_before_the_code():
    runtime = runtime_stage()
    pip = next(i for i, (kw, args) in enumerate(runtime) if kw == "RUN" and "pip install" in args)
    lock = shlex.split(runtime[pip][1])[shlex.split(runtime[pip][1]).index("-r") + 1]
    copied_at = next(i for i, (kw, args) in enumerate(runtime) if kw == "COPY" and lock in copy_args(args)[1])
    code_at = next(i for i, (kw, args) in enumerate(runtime) if kw == "COPY" and copy_args(args)[1] == ["."])
    assert copied_at < pip < code_at, "a code change must not reinstall the dependencies"
    locked = {re.split(r"[=<>\[ ;]", line, maxsplit=1)[0].lower() for line in (ROOT / lock).read_text().splitlines()}
    assert {"gunicorn", "flask", "babel", "rq"} <= locked, "the image's commands come from the lock file"


def test_the_image_compiles_the_catalogs_the_app_loads(app):
    runtime = runtime_stage()
    workdir = next(args for kw, args in runtime if kw == "WORKDIR")
    compile_run = next(args for kw, args in runtime if kw == "RUN" and "pybabel compile" in args)
    directory = shlex.split(compile_run.split("pybabel compile", 1)[1])
    target = directory[directory.index("-d") + 1]
    loaded = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]).relative_to(ROOT)
    assert Path(target) == loaded, f"the image compiles {workdir}/{target}, the app loads {workdir}/{loaded}"
    assert list((ROOT / target).glob("*/LC_MESSAGES/messages.po")), "nothing to compile"


def test_the_image_runs_as_an_unprivileged_user_it_creates():
    runtime = runtime_stage()
    users = [(i, args.split(":")[0]) for i, (kw, args) in enumerate(runtime) if kw == "USER"]
    assert users, "the image runs as root"
    at, user = users[-1]
    assert user not in {"root", "0"}
    created = any(
        kw == "RUN" and re.search(rf"\b(useradd|adduser)\b[^&;]*\s{re.escape(user)}(\s|$)", args)
        for kw, args in runtime[:at]
    )
    assert created, f"USER {user} is not created in the image"


def test_the_image_default_command_is_the_compose_web_command_and_exists(load_wsgi, capsys):
    cmds = [args for kw, args in runtime_stage() if kw == "CMD"]
    assert len(cmds) == 1
    argv = exec_form(cmds[0])
    assert argv[0] != "/bin/sh", "exec form: the server gets the signals"
    assert argv == compose_model()["services"]["web"]["command"]
    check_command(argv, capsys)


def test_the_image_exposes_the_port_gunicorn_binds(monkeypatch):
    for key, value in image_env().items():
        monkeypatch.setenv(key, value)
    port = runpy.run_path(str(GUNICORN_CONF))["bind"].rsplit(":", 1)[1]
    exposed = {p.split("/")[0] for kw, args in runtime_stage() if kw == "EXPOSE" for p in args.split()}
    assert port in exposed


def test_the_image_health_check_passes_against_the_app_and_fails_on_a_503(app, app_server, tmp_path):
    port, seen, state = app_server
    checks = [args for kw, args in runtime_stage() if kw == "HEALTHCHECK"]
    assert len(checks) == 1
    argv = exec_form(healthcheck_command(checks[0]))
    bin_dir = tmp_path / "bin"  # the image's `python`
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "SERVER_NAME": app.config["SERVER_NAME"], "PORT": str(port)}
    up = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=15)
    assert up.returncode == 0, up.stderr
    assert seen == [("/health", app.config["SERVER_NAME"], "https")]
    state["status"] = 503
    assert subprocess.run(argv, env=env, capture_output=True, timeout=15).returncode != 0


# === nginx template ======================================================================


@functools.cache
def nginx_template() -> str:
    return NGINX_TEMPLATE.read_text()


def nginx_blocks(text: str, keyword: str) -> list[str]:
    """Bodies of ``keyword ... { ... }`` blocks (braces balanced, comments ignored)."""
    text = re.sub(r"#[^\n]*", "", text)
    bodies = []
    for match in re.finditer(rf"(?m)^\s*{keyword}\b[^{{;]*\{{", text):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies.append(text[match.end() : i - 1])
    return bodies


def render_like_nginx_entrypoint(template: str, env: dict[str, str]) -> str:
    """What the nginx image's 20-envsubst-on-templates.sh produces: only environment
    variables whose name matches NGINX_ENVSUBST_FILTER are substituted, in both the
    ``$NAME`` and ``${NAME}`` forms; anything else is left exactly as written."""
    flt = env.get("NGINX_ENVSUBST_FILTER", "")
    defined = {name for name in env if re.search(flt, name)}

    def substitute(match: re.Match) -> str:
        name = match.group(2)
        return env[name] if name in defined else match.group(0)

    return re.sub(r"\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(?(1)\})", substitute, template)


def test_nginx_template_serves_the_domain_and_all_subdomains_over_tls():
    text = nginx_template()
    domain_servers = [body for body in nginx_blocks(text, "server") if "server_name ${DOMAIN} *.${DOMAIN};" in body]
    assert len(domain_servers) == 2, "one server on :80, one on :443 for DOMAIN and *.DOMAIN"
    http, https = sorted(domain_servers, key=lambda body: "ssl_certificate" in body)
    assert re.search(r"listen 80;", http)
    assert re.search(r"location \^~ /\.well-known/acme-challenge/", http)
    assert "return 301 https://$host$request_uri;" in http
    assert re.search(r"listen 443 ssl\b", https)
    assert "ssl_certificate ${TLS_CERT_PATH};" in https
    assert "ssl_certificate_key ${TLS_KEY_PATH};" in https
    assert "client_max_body_size 2m;" in https
    assert re.search(r"^\s*gzip on;", https, re.M)
    for timeout in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout"):
        assert re.search(rf"^\s*{timeout} \d+s;", https, re.M), timeout


def test_nginx_passes_the_original_host_and_client_details_to_the_app():
    https = next(
        body for body in nginx_blocks(nginx_template(), "server") if "ssl_certificate ${TLS_CERT_PATH};" in body
    )
    for header in ("Host $host", "X-Forwarded-Host $host", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in https
    assert re.search(r"proxy_set_header X-Forwarded-For \$(remote_addr|proxy_add_x_forwarded_for);", https)
    # nginx drops *all* inherited proxy_set_header lines in a location that sets even one,
    # which would silently lose Host (and break subdomain routing) for that location.
    locations = nginx_blocks(https, "location")
    assert locations
    for location in locations:
        assert "proxy_set_header" not in location
        assert "proxy_pass $jazyl_backend;" in location
    assert re.search(r"set \$jazyl_backend http://web:8000;", https)


def test_nginx_passes_the_apps_static_cache_headers_through():
    # The app answers fingerprinted static names with a year and "immutable" (tests/web/
    # test_static_assets.py); nginx must neither hide nor override that.
    https = next(
        body for body in nginx_blocks(nginx_template(), "server") if "ssl_certificate ${TLS_CERT_PATH};" in body
    )
    assert "location /static/" in re.sub(r"#[^\n]*", "", https)
    for body in nginx_blocks(https, "location"):
        assert "proxy_hide_header Cache-Control" not in body
        assert "add_header Cache-Control" not in body


def test_nginx_template_renders_only_its_own_variables():
    template = nginx_template()
    nginx_env = environment(compose_model()["services"]["nginx"])
    # Make every nginx variable the template uses ($host, $scheme, ...) an environment
    # variable too: the rendering must leave them alone anyway.
    nginx_vars = set(re.findall(r"\$([a-z_][a-z0-9_]*)", template))
    assert {"host", "scheme", "request_uri", "remote_addr"} <= nginx_vars
    hostile = dict.fromkeys(nginx_vars, "EVIL")
    rendered = render_like_nginx_entrypoint(template, {**hostile, **nginx_env, "PATH": "/usr/bin", "HOME": "/root"})
    braced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", template))
    assert braced == {"DOMAIN", "TLS_CERT_PATH", "TLS_KEY_PATH"}
    assert braced <= set(nginx_env), "compose must pass every ${VAR} the template uses"
    assert "${" not in rendered and "EVIL" not in rendered
    assert rendered.count("server_name localhost *.localhost;") == 2
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in rendered
    assert "proxy_set_header Host $host;" in rendered


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or openssl is None:
        pytest.skip("nginx or openssl is not installed here, so `nginx -t` cannot run")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-days",
            "1",
            "-subj",
            "/CN=jazyl.test",
            "-keyout",
            str(certs / "privkey.pem"),
            "-out",
            str(certs / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    rendered = render_like_nginx_entrypoint(
        nginx_template(),
        {
            "DOMAIN": "jazyl.test",
            "NGINX_ENVSUBST_FILTER": "DOMAIN|TLS_",
            "TLS_CERT_PATH": str(certs / "fullchain.pem"),
            "TLS_KEY_PATH": str(certs / "privkey.pem"),
        },
    )
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    if found and tuple(map(int, found.groups())) < (1, 25, 1):
        rendered = rendered.replace("http2 on;", "")  # the directive is newer than this nginx
    (tmp_path / "default.conf").write_text(rendered)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"  fastcgi_temp_path {tmp_path}; uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};\n"
        f"  include {tmp_path}/default.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


# === gunicorn.conf.py ====================================================================


def load_gunicorn_conf(monkeypatch, **env: str) -> dict:
    for name in (
        "PORT",
        "WEB_CONCURRENCY",
        "FORWARDED_ALLOW_IPS",
        "GUNICORN_WORKER_CLASS",
        "GUNICORN_THREADS",
        "GUNICORN_TIMEOUT",
        "GUNICORN_MAX_REQUESTS",
        "LOG_LEVEL",
        "GUNICORN_ACCESS_LOG",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_defaults(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["bind"] == "0.0.0.0:8000"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # sync workers, CPUs + 1 of them (measured against gthread and other counts: docs/performance.md)
    assert conf["worker_class"] == "sync"
    assert conf["workers"] == min(cpus + 1, 8)
    assert conf["threads"] == 1
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["accesslog"] is None  # the app logs one JSON access line per request
    assert conf["graceful_timeout"] == 30
    assert conf["preload_app"] is True  # workers are forks of the loaded app (docs/performance.md)


def test_gunicorn_reads_port_concurrency_and_trusted_proxies_from_env(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, PORT="9001", WEB_CONCURRENCY="3", FORWARDED_ALLOW_IPS="10.0.0.0/8,127.0.0.1")
    assert conf["bind"] == "0.0.0.0:9001"
    assert conf["workers"] == 3
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1"


def test_gunicorn_refuses_a_malformed_worker_count(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="many")


def test_gunicorn_worker_class_from_env(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="4")
    assert conf["worker_class"] == "sync"
    assert conf["threads"] == 1  # more would make gunicorn switch to gthread behind our back
    conf = load_gunicorn_conf(monkeypatch, GUNICORN_WORKER_CLASS="gthread", GUNICORN_THREADS="8")
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 8)
    with pytest.raises(SystemExit, match="GUNICORN_WORKER_CLASS"):
        load_gunicorn_conf(monkeypatch, GUNICORN_WORKER_CLASS="gevent")


def test_gunicorn_workers_freeze_the_loaded_app_for_the_garbage_collector(monkeypatch):
    import gc

    conf = load_gunicorn_conf(monkeypatch)
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_server_model_defaults_agree_in_conf_dockerfile_compose_and_env_example(monkeypatch):
    """gunicorn.conf.py, the image, compose and .env.example name the same worker model."""
    conf = load_gunicorn_conf(monkeypatch)
    threaded = load_gunicorn_conf(monkeypatch, GUNICORN_WORKER_CLASS="gthread")
    expected = {"GUNICORN_WORKER_CLASS": conf["worker_class"], "GUNICORN_THREADS": str(threaded["threads"])}
    image = image_env()
    assert {k: image.get(k) for k in expected} == expected
    web = environment(compose_model()["services"]["web"])
    assert {k: web.get(k) for k in expected} == expected
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
    assert {k: example.get(k) for k in expected} == expected
    assert example.get("WEB_CONCURRENCY") == "", "empty: the CPU-based default of gunicorn.conf.py"


def test_gunicorn_conf_names_are_all_real_settings(monkeypatch):
    """gunicorn ignores unknown names in a config file, so a typo would go unnoticed."""
    gunicorn_config = pytest.importorskip("gunicorn.config")
    conf = load_gunicorn_conf(monkeypatch)
    public = {
        name
        for name, value in conf.items()
        if not name.startswith("_") and not callable(value) and type(value).__name__ != "module"
    }
    unknown = public - set(gunicorn_config.Config().settings)
    assert not unknown, f"not gunicorn settings: {sorted(unknown)}"
    assert {"bind", "workers", "forwarded_allow_ips", "accesslog", "graceful_timeout"} <= public


# === deploy.sh ===========================================================================

FAKE_DOCKER = """#!/usr/bin/env bash
args="$*"
printf '%s\\n' "${args//$'\\n'/ }" >> "$DOCKER_LOG"  # one line per call
if [[ "$1 $2" == "compose exec" ]]; then echo '200 {"status": "ok"}'; fi
exit 0
"""

GOOD_SECRET = "Zk3j4h5g6f7d8s9a0p1o2i3u4y5t6r7e8w9qLmNb"


@pytest.fixture
def deploy_dir(tmp_path):
    """A copy of deploy.sh in an empty directory, with a fake docker on PATH."""
    shutil.copy2(DEPLOY_SH, tmp_path / "deploy.sh")
    (tmp_path / ".env.example").write_text("SECRET_KEY=\nSERVER_NAME=localhost:5000\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(0o755)
    return tmp_path


def run_deploy(directory: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = directory / "docker.log"
    env = {
        "PATH": f"{directory / 'bin'}:/usr/bin:/bin",
        "HOME": str(directory),
        "DOCKER_LOG": str(log),
        "HEALTH_TIMEOUT": "5",
    }
    result = subprocess.run(["bash", str(directory / "deploy.sh")], env=env, capture_output=True, text=True, timeout=30)
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def test_deploy_script_is_executable_strict_bash():
    assert DEPLOY_SH.stat().st_mode & stat.S_IXUSR, "deploy.sh must be executable"
    text = DEPLOY_SH.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") or text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -euo pipefail$", text, re.M)
    result = subprocess.run(["bash", "-n", str(DEPLOY_SH)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_deploy_refuses_without_env_file(deploy_dir):
    result, calls = run_deploy(deploy_dir)
    assert result.returncode != 0
    assert ".env.example" in result.stderr
    assert calls == [], "nothing may be built or started without .env"


@pytest.mark.parametrize(
    "line",
    [
        "SECRET_KEY=",
        "SECRET_KEY=''",
        "SECRET_KEY=change-me-change-me-change-me-change-me",
        "SECRET_KEY=testing-secret-key-not-for-production-use-000000",
        "SECRET_KEY=tooshort",
    ],
)
def test_deploy_refuses_an_empty_or_default_secret_key(deploy_dir, line):
    (deploy_dir / ".env").write_text(f"{line}\nSERVER_NAME=jazyl.test\n")
    result, calls = run_deploy(deploy_dir)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert calls == []


def test_deploy_refuses_to_start_nginx_without_the_certificate(deploy_dir):
    (deploy_dir / ".env").write_text(f"SECRET_KEY={GOOD_SECRET}\nSERVER_NAME=jazyl.test\n")
    result, calls = run_deploy(deploy_dir)
    assert result.returncode != 0
    assert "fullchain.pem" in result.stderr
    assert calls == []


def test_deploy_builds_migrates_starts_and_checks_health_in_order(deploy_dir):
    certs = deploy_dir / "deploy" / "certs"
    certs.mkdir(parents=True)
    (certs / "fullchain.pem").write_text("cert")
    (certs / "privkey.pem").write_text("key")
    (deploy_dir / ".env").write_text(
        f'SECRET_KEY="{GOOD_SECRET}"\nSERVER_NAME=jazyl.test  # the platform domain\n'
        "POSTGRES_PASSWORD=0123456789abcdef\nMAIL_FROM=Jazyl <no-reply@jazyl.test>\n"
    )
    result, calls = run_deploy(deploy_dir)
    assert result.returncode == 0, result.stderr
    compose_calls = [call for call in calls if call.startswith("compose ")]
    expected = [
        r"^compose build\b",
        r"^compose up -d\b.* postgres redis$",
        r"^compose run --rm migrate$",
        r"^compose up -d\b.* web worker nginx$",
        r"^compose exec -T web python -c .*127\.0\.0\.1:8000/health",
    ]
    positions = []
    for pattern in expected:
        index = next((i for i, call in enumerate(compose_calls) if re.search(pattern, call)), None)
        assert index is not None, f"no docker call matching {pattern!r} in {compose_calls}"
        positions.append(index)
    assert positions == sorted(positions), f"wrong order: {compose_calls}"
    assert "healthy" in result.stdout and '{"status": "ok"}' in result.stdout


@pytest.mark.parametrize(
    ("line", "outcome"),
    [
        ("APP_DB_PASSWORD=pa ss\n", "refused"),
        ("", "warned"),
        ("APP_DB_PASSWORD=jazyl_app\n", "warned"),
        ("APP_DB_PASSWORD=0123456789abcdef\n", "quiet"),
    ],
)
def test_deploy_checks_the_app_role_password(deploy_dir, line, outcome):
    certs = deploy_dir / "deploy" / "certs"
    certs.mkdir(parents=True)
    (certs / "fullchain.pem").write_text("cert")
    (certs / "privkey.pem").write_text("key")
    (deploy_dir / ".env").write_text(
        f'SECRET_KEY="{GOOD_SECRET}"\nSERVER_NAME=jazyl.test\nPOSTGRES_PASSWORD=0123456789abcdef\n' + line
    )
    result, calls = run_deploy(deploy_dir)
    said = result.stdout + result.stderr
    if outcome == "refused":
        assert result.returncode != 0 and "APP_DB_PASSWORD may contain only" in said
        assert not any(call.startswith("compose build") for call in calls)
    else:
        assert result.returncode == 0, said
        assert ("APP_DB_PASSWORD (the app's database role) is unset or the default" in said) == (outcome == "warned")


def test_deploy_health_probe_reports_the_app_status(health_server):
    port, seen, _ = health_server
    match = re.search(r"^probe='(.*?)'$", DEPLOY_SH.read_text(), re.M | re.S)
    assert match, "deploy.sh keeps its health probe in probe='...'"
    code = match.group(1).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    result = run_probe(code, {"SERVER_NAME": "jazyl.test"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '200 {"status": "ok"}'
    assert seen == [("/health", "jazyl.test", "https")]
