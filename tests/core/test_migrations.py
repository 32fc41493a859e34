"""Migrations: one head, and `flask db upgrade` from an empty database gives exactly the models' schema."""

import os
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from pb.app import create_app
from pb.config import PROJECT_ROOT
from pb.extensions import db

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def test_single_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))
    assert len(script.get_heads()) == 1, script.get_heads()


def _upgrade_and_compare(url):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], differences


def test_upgrade_from_empty_sqlite(tmp_path):
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.sqlite'}")


def test_upgrade_from_empty_postgresql():
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        from tests.conftest import skip_or_fail

        skip_or_fail("TEST_DATABASE_URL is not a PostgreSQL URL")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1) if "+psycopg" not in base else base
    name = f"pb_migrations_{uuid.uuid4().hex[:8]}"
    server, _, _ = base.rpartition("/")
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_and_compare(f"{server}/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
