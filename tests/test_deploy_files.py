"""Checks of the deployment files: Dockerfile, docker-compose.yml, the nginx template,
gunicorn.conf.py and deploy.sh.

No Docker engine is needed. The files are read as text (PyYAML is not a dependency), the
health probes are run against a throw-away local HTTP server, the nginx template is
rendered the way the nginx image's entrypoint renders it, and deploy.sh runs against a
fake ``docker`` that only records its arguments. ``docker compose config`` and
``nginx -t`` run too where those tools are installed, and are skipped (saying why) where not.
"""

from __future__ import annotations

import functools
import json
import os
import re
import runpy
import shutil
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
DEPLOY_SH = ROOT / "deploy.sh"

# The operations contract (shared design document): these exact commands.
WEB_COMMAND = ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
WORKER_COMMAND = ["python", "worker.py"]
MIGRATE_COMMAND = ["flask", "--app", "wsgi", "db", "upgrade"]


# --- helpers: Dockerfile ---------------------------------------------------------------


@functools.cache
def dockerfile_instructions() -> tuple[tuple[str, str], ...]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    result, buf = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may also sit between continuation lines
        if line.endswith("\\"):
            buf += line[:-1].strip() + " "
            continue
        buf += line
        keyword, _, args = buf.partition(" ")
        result.append((keyword.upper(), args.strip()))
        buf = ""
    assert not buf, "Dockerfile ends inside a line continuation"
    return tuple(result)


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in dockerfile_instructions():
        if keyword == "FROM":
            stages.append([])
        assert stages, f"{keyword} before the first FROM"
        stages[-1].append((keyword, args))
    return stages


def healthcheck_python(args: str) -> str:
    match = re.search(r'python3? -c "(.*)"\s*$', args)
    assert match, f"HEALTHCHECK does not run python -c: {args}"
    return match.group(1)


# --- helpers: docker-compose.yml (a deliberately small reader for this file's layout) ---


@functools.cache
def compose_text() -> str:
    return COMPOSE.read_text()


def top_level_block(key: str) -> str:
    """The indented body of a top-level key (e.g. ``services`` or ``x-app``)."""
    lines = compose_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:", line))
    body = []
    for line in lines[start + 1 :]:
        if line and not line[0].isspace() and not line.startswith("#"):
            break
        body.append(line)
    return "\n".join(body)


@functools.cache
def compose_services() -> dict[str, str]:
    services: dict[str, list[str]] = {}
    current = None
    for line in top_level_block("services").splitlines():
        match = re.match(r"^  ([A-Za-z0-9._-]+):\s*$", line)
        if match:
            current = match.group(1)
            services[current] = []
        elif current is not None:
            services[current].append(line)
    return {name: "\n".join(body) for name, body in services.items()}


def service_value(service: str, key: str) -> str | None:
    match = re.search(rf"^    {re.escape(key)}:[ \t]*(.*)$", compose_services()[service], re.M)
    return match.group(1).split(" #")[0].strip() if match else None


def service_section(service: str, key: str) -> str:
    """The lines nested under ``key:`` in a service (deeper than 4 spaces)."""
    lines = compose_services()[service].splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"    {key}:")), None)
    assert start is not None, f"service {service!r} has no {key!r}"
    body = []
    for line in lines[start + 1 :]:
        if line.strip() and not line.startswith("     "):
            break
        body.append(line)
    return "\n".join(body)


def service_command(service: str) -> list[str]:
    value = service_value(service, "command")
    assert value, f"service {service!r} has no inline command"
    return json.loads(value)  # a flow sequence of double-quoted strings is JSON


def depends_on(service: str) -> dict[str, str]:
    section = service_section(service, "depends_on")
    return dict(re.findall(r"^      ([\w.-]+):\s*\n\s+condition:\s*(\w+)", section, re.M))


def mapping(section: str) -> dict[str, str]:
    """``KEY: value`` lines one level deep in a section, comments and quotes removed."""
    result = {}
    for key, value in re.findall(r"^\s+([A-Z][A-Z0-9_]*):[ \t]*(.*)$", section, re.M):
        value = value.split(" #")[0].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        result[key] = value
    return result


def with_defaults(value: str) -> str:
    """Resolve compose's ``${VAR:-default}`` as if VAR were unset."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def folded_block(section: str, marker: str = "- >-") -> str:
    """The text of a YAML folded scalar (``>-``) that follows ``marker`` in a section."""
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == marker)
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line.strip())
    return " ".join(part for part in body if part)


# --- helpers: a local stand-in for the app's /health -----------------------------------


@pytest.fixture
def health_server():
    """A loopback HTTP server recording (path, Host) and answering with a chosen status."""
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


# === Dockerfile ==========================================================================


def test_dockerfile_builds_assets_with_node_and_runs_on_python_slim():
    stages = dockerfile_stages()
    assert len(stages) == 2, "expected two stages: node assets, python runtime"
    node_from, python_from = stages[0][0][1], stages[1][0][1]
    match = re.fullmatch(r"node:20-slim\s+AS\s+(\S+)", node_from, re.I)
    assert match, f"first stage must be node:20-slim AS <name>, got {node_from!r}"
    assets_stage = match.group(1)
    assert python_from.split()[0] == "python:3.11-slim"

    node_runs = " && ".join(args for kw, args in stages[0] if kw == "RUN")
    assert "npm ci" in node_runs and "npm run build" in node_runs
    assert node_runs.index("npm ci") < node_runs.index("npm run build")
    copies_lock = [args for kw, args in stages[0] if kw == "COPY" and "package-lock.json" in args]
    assert copies_lock, "npm ci needs package-lock.json copied in"

    vendor_copies = [args for kw, args in stages[1] if kw == "COPY" and f"--from={assets_stage}" in args]
    assert any("app/static/vendor" in args for args in vendor_copies), (
        "the runtime stage must copy the built app/static/vendor from the node stage"
    )


def test_dockerfile_installs_the_lockfile_and_compiles_translations():
    runtime = dockerfile_stages()[1]
    keywords = [kw for kw, _ in runtime]
    pip = next(
        i
        for i, (kw, args) in enumerate(runtime)
        if kw == "RUN" and "pip install --no-cache-dir -r requirements.lock" in args
    )
    lock_copy = next(i for i, (kw, args) in enumerate(runtime) if kw == "COPY" and "requirements.lock" in args)
    app_copy = next(i for i, (kw, args) in enumerate(runtime) if kw == "COPY" and args == ". .")
    # Dependencies install before the code is copied, so code changes keep the pip layer.
    assert lock_copy < pip < app_copy
    assert any(kw == "RUN" and "pybabel compile -d translations" in args for kw, args in runtime)
    env = " ".join(args for kw, args in runtime if kw == "ENV")
    assert re.search(r"\bPYTHONDONTWRITEBYTECODE=1\b", env)
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env)
    assert "EXPOSE" in keywords and any(kw == "EXPOSE" and "8000" in args.split() for kw, args in runtime)


def test_dockerfile_runs_as_an_unprivileged_user():
    runtime = dockerfile_stages()[1]
    users = [(i, args) for i, (kw, args) in enumerate(runtime) if kw == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    last_index, user = users[-1]
    assert user.split(":")[0] not in {"root", "0"}
    assert user == "app"
    created = any(kw == "RUN" and re.search(r"useradd\b.*\bapp\b", args) for kw, args in runtime[:last_index])
    assert created, "the app user must be created before USER app"
    cmd_index = next(i for i, (kw, _) in enumerate(runtime) if kw == "CMD")
    assert cmd_index > last_index, "CMD must run as the unprivileged user"


def test_dockerfile_default_command_is_gunicorn_with_the_config_file():
    cmds = [args for kw, args in dockerfile_stages()[1] if kw == "CMD"]
    assert len(cmds) == 1
    assert json.loads(cmds[0]) == WEB_COMMAND, "CMD must be exec form: " + str(WEB_COMMAND)


def test_dockerfile_healthcheck_uses_python_urllib_on_health():
    checks = [args for kw, args in dockerfile_stages()[1] if kw == "HEALTHCHECK"]
    assert len(checks) == 1
    check = checks[0]
    assert "urllib" in check and "127.0.0.1" in check and "/health" in check
    assert not re.search(r"\b(curl|wget)\b", check), "python:3.11-slim has neither curl nor wget"
    assert re.search(r"--timeout=\d+s", check) and re.search(r"--interval=\d+s", check)


def test_dockerfile_healthcheck_probe_passes_on_200_and_fails_otherwise(health_server):
    port, seen, state = health_server
    code = healthcheck_python(next(a for k, a in dockerfile_stages()[1] if k == "HEALTHCHECK"))
    env = {"PORT": str(port), "SERVER_NAME": "jazyl.test"}
    ok = run_probe(code, env)
    assert ok.returncode == 0, ok.stderr
    # With SERVER_NAME set Flask routes by Host, so the probe must present the platform host.
    assert seen == [("/health", "jazyl.test", "https")]
    state["status"] = 503
    assert run_probe(code, env).returncode != 0


def test_dockerignore_keeps_secrets_state_and_artifacts_out_of_the_image():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (
        ".git",
        ".venv",
        "node_modules",
        "instance",
        ".env",
        "**/__pycache__",
        ".pytest_cache",
        "deploy/certs",
    ):
        assert required in patterns, f".dockerignore must exclude {required}"
    assert "!.env.example" in patterns


# === docker-compose.yml ==================================================================


def test_compose_defines_the_whole_stack():
    assert set(compose_services()) == {"postgres", "redis", "migrate", "web", "worker", "nginx"}
    volumes = top_level_block("volumes")
    assert re.search(r"^  pgdata:", volumes, re.M) and re.search(r"^  redisdata:", volumes, re.M)


def test_compose_commands_follow_the_operations_contract():
    assert service_command("web") == WEB_COMMAND
    assert service_command("worker") == WORKER_COMMAND
    assert service_command("migrate") == MIGRATE_COMMAND
    assert service_command("redis") == ["redis-server", "--appendonly", "yes"]


def test_compose_app_services_share_one_image_wired_to_the_bundled_databases():
    app = top_level_block("x-app")
    for service in ("migrate", "web", "worker"):
        assert "<<: *app" in compose_services()[service], f"{service} must use the shared x-app"
    assert re.search(r"^\s+build:", app, re.M) and "dockerfile: Dockerfile" in app
    assert re.search(r"^\s+- path: \.env\s*$", app, re.M), "app services read .env"
    env = mapping(app)
    # web and worker connect as the app role; only migrate holds the owner's URL.
    assert with_defaults(env["DATABASE_URL"]) == "postgresql://jazyl_app:jazyl_app@postgres:5432/jazyl"
    assert "DATABASE_OWNER_URL" not in env
    owner_url = mapping(service_section("migrate", "environment"))["DATABASE_OWNER_URL"]
    assert with_defaults(owner_url) == "postgresql://jazyl:jazyl@postgres:5432/jazyl"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # The database credentials in the URLs are the ones the postgres service is created with.
    pg_env = mapping(service_section("postgres", "environment"))
    for var in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        assert pg_env[var].startswith("${" + var) and "${" + var in owner_url
    for var in ("APP_DB_USER", "APP_DB_PASSWORD", "POSTGRES_DB"):
        assert pg_env[var].startswith("${" + var) and "${" + var in env["DATABASE_URL"]


def test_compose_web_keeps_the_shared_environment_and_trusts_only_its_proxy():
    web_env_section = service_section("web", "environment")
    # An explicit `environment:` replaces the merged one unless it merges it back in.
    assert "<<: *app-env" in web_env_section
    web_env = mapping(web_env_section)
    assert web_env["PORT"] == "8000" and web_env["PROXY_FIX"] == "true"
    assert "FORWARDED_ALLOW_IPS" in web_env
    assert service_value("web", "ports") is None, "web must be reachable only through nginx"
    health = folded_block(service_section("web", "healthcheck"))
    assert "urllib" in health and "127.0.0.1:8000/health" in health


def test_compose_web_healthcheck_probe_works(health_server):
    port, seen, state = health_server
    code = folded_block(service_section("web", "healthcheck"))
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    assert run_probe(code, {"SERVER_NAME": "jazyl.test"}).returncode == 0
    assert seen == [("/health", "jazyl.test", "https")]
    state["status"] = 500
    assert run_probe(code, {"SERVER_NAME": "jazyl.test"}).returncode != 0


def test_compose_start_order_migrates_before_web_and_worker():
    assert depends_on("migrate")["postgres"] == "service_healthy"
    assert service_value("migrate", "restart") == '"no"'
    for service in ("web", "worker"):
        deps = depends_on(service)
        assert deps["migrate"] == "service_completed_successfully", service
        assert deps["redis"] == "service_healthy", service
    assert depends_on("nginx") == {"web": "service_healthy"}
    assert "pg_isready" in service_section("postgres", "healthcheck")
    assert "redis-cli" in service_section("redis", "healthcheck") and "ping" in service_section("redis", "healthcheck")


def test_compose_worker_scales_and_stops_gracefully():
    assert re.search(r"^\s+replicas:\s*\$\{WORKER_REPLICAS:-1\}\s*$", service_section("worker", "deploy"), re.M)
    assert service_value("worker", "stop_signal") == "SIGTERM"
    assert service_value("worker", "stop_grace_period") == "60s"
    assert "container_name" not in compose_services()["worker"], "replicas need generated names"
    # The image's HTTP HEALTHCHECK would mark the worker and the migration job unhealthy.
    for service in ("worker", "migrate"):
        assert re.search(r"^\s+disable:\s*true", service_section(service, "healthcheck"), re.M)


def test_compose_images_and_nginx_mounts():
    assert service_value("postgres", "image") == "postgres:15-alpine"
    assert service_value("redis", "image") == "redis:7-alpine"
    assert service_value("nginx", "image") == "nginx:1.27-alpine"
    ports = service_section("nginx", "ports")
    assert re.search(r":80\"?$", ports, re.M) and re.search(r":443\"?$", ports, re.M)
    volumes = service_section("nginx", "volumes")
    assert "./deploy/nginx/nginx.conf.template:/etc/nginx/templates/default.conf.template:ro" in volumes
    assert "${TLS_CERT_DIR:-./deploy/certs}:/etc/nginx/certs:ro" in volumes


def test_compose_config_validates_with_docker_compose(tmp_path):
    if shutil.which("docker") is None:
        pytest.skip("the docker binary is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        pytest.skip(
            "'docker compose' (Compose v2 plugin) is not installed, so "
            "`docker compose config` cannot run: "
            + ((probe.stderr or probe.stdout).strip().splitlines() or ["?"])[0][:200]
        )
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SERVER_NAME": "jazyl.test",
        "POSTGRES_PASSWORD": "pw",
        "WORKER_REPLICAS": "3",
    }
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(empty_env), "-f", str(COMPOSE), "config", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert services["web"]["command"] == WEB_COMMAND
    assert services["worker"]["command"] == WORKER_COMMAND
    assert services["migrate"]["command"] == MIGRATE_COMMAND
    assert services["worker"]["deploy"]["replicas"] == 3
    assert services["web"]["environment"]["DATABASE_URL"] == "postgresql://jazyl_app:jazyl_app@postgres:5432/jazyl"
    assert services["migrate"]["environment"]["DATABASE_OWNER_URL"] == "postgresql://jazyl:pw@postgres:5432/jazyl"
    assert "DATABASE_OWNER_URL" not in services["web"]["environment"]
    assert services["worker"]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert services["nginx"]["environment"]["DOMAIN"] == "jazyl.test"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


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
    nginx_env = {key: with_defaults(value) for key, value in mapping(service_section("nginx", "environment")).items()}
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
    # sync workers, 2 x CPUs + 1 of them (measured against gthread: docs/performance.md)
    assert conf["worker_class"] == "sync"
    assert conf["workers"] == min(2 * cpus + 1, 8)
    assert conf["threads"] == 1
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["accesslog"] is None  # the app logs one JSON access line per request
    assert conf["graceful_timeout"] == 30


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
    env_lines = [args for kw, args in dockerfile_stages()[1] if kw == "ENV"]
    image = dict(re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", " ".join(env_lines)))
    assert {k: image.get(k) for k in expected} == expected
    web = {k: with_defaults(v) for k, v in mapping(service_section("web", "environment")).items()}
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
