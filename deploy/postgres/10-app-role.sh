#!/bin/sh
# The application's database role (docker compose mounts this directory as
# /docker-entrypoint-initdb.d, so it runs on the first start of an empty data volume; it is
# safe to run again by hand for an existing volume, see README "Database roles").
#
# POSTGRES_USER owns the database and its tables and runs the migrations (DATABASE_OWNER_URL).
# APP_DB_USER is what web and worker connect as (DATABASE_URL): it owns nothing, is no
# superuser and has no BYPASSRLS, so PostgreSQL's row-level security applies to it.  The
# migrations grant it SELECT/INSERT/UPDATE/DELETE on the tables after every upgrade.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="${APP_DB_USER:-jazyl_app}" -v app_password="${APP_DB_PASSWORD:-jazyl_app}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', :'app_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD %L', :'app_user', :'app_password') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_user') \gexec
SQL
