import logging
from logging.config import fileConfig

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.pool import NullPool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)  # keep the app's loggers on
logger = logging.getLogger('alembic.env')


def _owner_url():
    """DATABASE_OWNER_URL: migrations run as the role that owns the tables (see README)."""
    from app.config import normalize_db_url

    url = current_app.config.get('DATABASE_OWNER_URL')
    return sa.engine.make_url(normalize_db_url(url)) if url else None


def get_engine():
    owner = _owner_url()
    if owner is not None:
        return sa.create_engine(owner, poolclass=NullPool)
    return current_app.extensions['migrate'].db.engine


def _app_role(connection):
    """The application's role when it differs from the migrating (owner) role, else None."""
    if connection.dialect.name != 'postgresql' or _owner_url() is None:
        return None
    app_user = current_app.extensions['migrate'].db.engine.url.username
    owner_user = connection.exec_driver_sql('SELECT current_user').scalar()
    return app_user if app_user and app_user != owner_user else None


def _grant_app_role(connection):
    """Data access (no DDL, no TRUNCATE, no ownership) for the application role, after every
    upgrade so new tables are covered.  Row-level security still holds it."""
    role = _app_role(connection)
    if role is None:
        return
    q = connection.dialect.identifier_preparer.quote(role)
    for stmt in (
        f'GRANT USAGE ON SCHEMA public TO {q}',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}',
        f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {q}',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}',
    ):
        connection.exec_driver_sql(stmt)


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            if connection.dialect.name == 'postgresql':
                # Data migrations see every tenant's rows (row-level security, FORCE'd).
                connection.exec_driver_sql("SELECT set_config('app.platform', 'on', true)")
            context.run_migrations()
            _grant_app_role(connection)
        if connectable is not current_app.extensions['migrate'].db.engine:
            connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
