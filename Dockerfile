# syntax=docker/dockerfile:1
#
# Production image: one image for the web app (gunicorn), the RQ worker and migrations.
#   docker build -t jazyl-app .
#   docker run --env-file .env -p 8000:8000 jazyl-app                      # web
#   docker run --env-file .env jazyl-app python worker.py                  # worker
#   docker run --env-file .env jazyl-app flask --app wsgi db upgrade       # migrations

# --- Stage 1: browser assets (htmx, CSS) from the npm registry -------------------------
FROM node:20-slim AS assets
WORKDIR /build
# Lockfile first, so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# package.json's "build" script copies the assets from node_modules into app/static/vendor.
RUN npm run build && test -d app/static/vendor

# --- Stage 2: the Python runtime -----------------------------------------------------
FROM python:3.11-slim AS runtime

# gunicorn: CPUs + 1 sync workers unless WEB_CONCURRENCY says otherwise; 2 threads each
# if GUNICORN_WORKER_CLASS=gthread (the defaults of gunicorn.conf.py, docs/performance.md).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    PORT=8000 \
    GUNICORN_WORKER_CLASS=sync \
    GUNICORN_THREADS=2

# Unprivileged user; it needs a home for gunicorn's control socket (~/.gunicorn).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Pinned dependencies first: this layer is rebuilt only when requirements.lock changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# Application code (owned by root, read-only for the app user) and the built assets.
COPY . .
COPY --from=assets /build/app/static/vendor ./app/static/vendor

# Compile the ru/kk message catalogs; instance/ is the only directory the app may write.
RUN pybabel compile -d translations \
 && mkdir -p instance \
 && chown app:app instance

USER app

EXPOSE 8000

# /health on the platform's main host: with SERVER_NAME set, Flask only routes requests
# whose Host matches it, so the probe sends that Host (and the scheme nginx would forward).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, sys, urllib.request as u; r = u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health', headers={'Host': os.environ.get('SERVER_NAME') or 'localhost', 'X-Forwarded-Proto': 'https'}); sys.exit(0 if u.urlopen(r, timeout=4).status == 200 else 1)"

CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
