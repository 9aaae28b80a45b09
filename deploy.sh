#!/usr/bin/env bash
# Build and (re)start the production stack with docker compose, then wait until the web
# app answers /health. Safe to re-run for every release: migrations are idempotent and
# only changed containers are recreated.
#
#   cp .env.example .env && $EDITOR .env    # once
#   ./deploy.sh
#
# Environment: HEALTH_TIMEOUT (seconds to wait for /health, default 180).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

ENV_FILE=.env
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-180}

log() { printf 'deploy: %s\n' "$*"; }
warn() { printf 'deploy: warning: %s\n' "$*" >&2; }
die() { printf 'deploy: error: %s\n' "$*" >&2; exit 1; }

# The value assigned to KEY in FILE, read the way compose reads .env files (the last
# assignment wins, an optional "export ", surrounding quotes, a " #" comment after an
# unquoted value). The file is never sourced: values such as MAIL_FROM="Jazyl <no-reply@...>"
# are not shell syntax.
file_value() {
    local file=$1 key=$2 line value="" found=1
    [[ -f $file ]] || return 1
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        if [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=(.*)$ ]]; then
            value=${BASH_REMATCH[2]}
            found=0
        fi
    done <"$file"
    ((found == 0)) || return 1
    value=${value#"${value%%[![:space:]]*}"}
    if [[ $value == \"*\" || $value == \'*\' ]] && ((${#value} >= 2)); then
        value=${value:1:${#value}-2}
    else
        value=${value%%[[:space:]]#*}
        value=${value%"${value##*[![:space:]]}"}
    fi
    printf '%s' "$value"
}

# A variable compose interpolates: the shell's value wins over .env, then the default.
setting() {
    local key=$1 default=${2:-} value
    if [[ -n ${!key:-} ]]; then
        printf '%s' "${!key}"
    elif value=$(file_value "$ENV_FILE" "$key") && [[ -n $value ]]; then
        printf '%s' "$value"
    else
        printf '%s' "$default"
    fi
}

# --- Preflight: refuse to deploy a configuration the app would refuse (or should) ------
if [[ ! -f $ENV_FILE ]]; then
    die "no $ENV_FILE here ($(pwd)). Create it from the template and fill it in:
    cp .env.example .env    # then set SECRET_KEY, SERVER_NAME, POSTGRES_PASSWORD, APP_DB_PASSWORD, SMTP_*, SMS_*"
fi

secret_hint='generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
secret_key=$(file_value "$ENV_FILE" SECRET_KEY || true)
example_key=$(file_value .env.example SECRET_KEY || true)
if [[ -z $secret_key ]]; then
    die "SECRET_KEY is empty in $ENV_FILE; $secret_hint"
fi
lowered=${secret_key,,}
if [[ -n $example_key && $secret_key == "$example_key" ]] ||
    [[ $lowered == *change* || $lowered == *not-for-production* || $lowered == *example* ||
        $lowered == *insecure* || $lowered == secret* ]]; then
    die "SECRET_KEY in $ENV_FILE is a placeholder/default value; $secret_hint"
fi
if ((${#secret_key} < 32)); then
    die "SECRET_KEY in $ENV_FILE is shorter than 32 characters; $secret_hint"
fi

server_name=$(setting SERVER_NAME)
if [[ -z $server_name ]]; then
    die "SERVER_NAME is not set in $ENV_FILE: set it to the platform domain (e.g. jazyl.tech)"
fi
if [[ $server_name == *:* ]]; then
    warn "SERVER_NAME=$server_name contains a port; nginx serves the bare domain on 80/443"
fi

pg_password=$(setting POSTGRES_PASSWORD)
if [[ -n $pg_password && ! $pg_password =~ ^[A-Za-z0-9._~-]+$ ]]; then
    die "POSTGRES_PASSWORD may contain only A-Z a-z 0-9 . _ ~ - (it is part of DATABASE_URL); e.g. openssl rand -hex 24"
fi
if [[ -z $pg_password || $pg_password == jazyl ]]; then
    warn "POSTGRES_PASSWORD is unset or the default; set a random one in $ENV_FILE before the first start"
fi
app_db_password=$(setting APP_DB_PASSWORD)
if [[ -n $app_db_password && ! $app_db_password =~ ^[A-Za-z0-9._~-]+$ ]]; then
    die "APP_DB_PASSWORD may contain only A-Z a-z 0-9 . _ ~ - (it is part of DATABASE_URL); e.g. openssl rand -hex 24"
fi
if [[ -z $app_db_password || $app_db_password == jazyl_app ]]; then
    warn "APP_DB_PASSWORD (the app's database role) is unset or the default; set a random one in $ENV_FILE before the first start"
fi

cert_dir=$(setting TLS_CERT_DIR ./deploy/certs)
for pair in "TLS_CERT_PATH:/etc/nginx/certs/fullchain.pem" "TLS_KEY_PATH:/etc/nginx/certs/privkey.pem"; do
    in_container=$(setting "${pair%%:*}" "${pair#*:}")
    if [[ $in_container == /etc/nginx/certs/* ]]; then
        on_host="$cert_dir/${in_container#/etc/nginx/certs/}"
        [[ -f $on_host ]] || die "TLS file $on_host not found (mounted as $in_container). Put the wildcard certificate for $server_name and *.$server_name in $cert_dir, or set TLS_CERT_DIR"
    fi
done

docker compose version >/dev/null 2>&1 || die "'docker compose' (Compose v2) is not available"

# --- Build, migrate, start ------------------------------------------------------------
log "building the application image"
docker compose build

log "starting postgres and redis"
docker compose up -d --wait postgres redis

log "applying database migrations"
docker compose run --rm migrate

log "starting web, worker and nginx"
docker compose up -d --remove-orphans web worker nginx

# --- Wait for /health -----------------------------------------------------------------
probe='import os, urllib.request as u
r = u.Request("http://127.0.0.1:8000/health", headers={"Host": os.environ.get("SERVER_NAME") or "localhost", "X-Forwarded-Proto": "https"})
with u.urlopen(r, timeout=5) as resp:
    print(resp.status, resp.read(2000).decode("utf-8", "replace").strip())'

log "waiting up to ${HEALTH_TIMEOUT}s for the web app's /health"
deadline=$((SECONDS + HEALTH_TIMEOUT))
until health=$(docker compose exec -T web python -c "$probe" 2>/dev/null); do
    if ((SECONDS >= deadline)); then
        docker compose ps >&2 || true
        docker compose logs --tail=80 web >&2 || true
        die "the web app did not report healthy within ${HEALTH_TIMEOUT}s"
    fi
    sleep 3
done

log "healthy: $health"
docker compose ps
log "done: https://$server_name/"
