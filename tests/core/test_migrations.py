"""Migrations: one head, `flask db upgrade` from an empty database gives exactly the models' schema, and
the audit chain written before 0011 is sealed by it and still verifies."""

import hashlib
import json
import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, Integer, String, column, create_engine, select, table, text

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


@contextmanager
def _empty_postgresql_database():
    """The URL of a new, empty PostgreSQL database on the test server (dropped afterwards)."""
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
        yield f"{server}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_postgresql():
    with _empty_postgresql_database() as url:
        _upgrade_and_compare(url)


# --- 0011: the audit events written as one linked chain are sealed in a block and still verify ----------


def _old_hash(prev_hash, at, action, details):
    """The audit hash as revision 0010's model computed it (AuditEvent.compute_hash), written out here."""
    payload = json.dumps(
        {"prev": prev_hash, "at": at.isoformat(), "actor": None, "action": action, "subject_type": None,
         "subject_id": None, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _migrate_a_linked_chain(url, engine_options=None):
    from pb.audit.models import LINKED, SEALED, AuditBlock, AuditEvent
    from pb.audit.sealing import seal_pending
    from pb.audit.services import record
    from pb.audit.verification import verify
    from pb.models_base import UTCDateTime
    from pb.transactions import commit

    events = table(
        "audit_events", column("id", Integer()), column("created_at", UTCDateTime()), column("action", String()),
        column("details", JSON()), column("prev_hash", String()), column("hash", String()),
    )
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url,
        **({"SQLALCHEMY_ENGINE_OPTIONS": engine_options} if engine_options else {}),
    })
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010")
        rows, previous = [], "0" * 64
        for n in range(4):
            at = datetime(2026, 1, 5, 12, n, 30, 123456, tzinfo=UTC)
            hashed = _old_hash(previous, at, "test.old", {"n": n, "text": "ääni"})
            rows.append({"created_at": at, "action": "test.old", "details": {"n": n, "text": "ääni"},
                         "prev_hash": previous, "hash": hashed})
            previous = hashed
        with db.engine.begin() as connection:
            connection.execute(events.insert(), rows)

        upgrade(directory=MIGRATIONS, revision="0011")
        result = verify()
        assert (result.checked, result.blocks, result.waiting, result.problems) == (4, 1, 0, [])
        [block] = db.session.execute(db.select(AuditBlock)).scalars().all()
        old = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert (block.form, block.event_count, block.root_hash) == (LINKED, 4, previous)
        assert (block.first_event_id, block.last_event_id) == (old[0].id, old[-1].id)
        assert {(event.form, event.block_id) for event in old} == {(LINKED, block.id)}
        old, block_id = [event.id for event in old], block.id

        record(None, "test.new")  # new events are sealed after the old ones, in a block linked to theirs
        commit()
        assert seal_pending(grace=timedelta(0)) == (1, 1)
        result = verify()
        assert (result.checked, result.blocks, result.problems) == (5, 2, [])
        new = db.session.execute(db.select(AuditEvent).filter_by(action="test.new")).scalar_one()
        assert (new.form, new.prev_hash) == (SEALED, None)

        with db.engine.begin() as connection:  # tampering with an old event is still detected
            connection.execute(events.update().where(events.c.id == old[1]).values(details={"n": 9}))
        db.session.rollback()
        assert verify().problems == [f"event {old[1]}: content changed after it was written"]
        with db.engine.begin() as connection:
            connection.execute(events.update().where(events.c.id == old[1]).values(details=rows[1]["details"]))
            connection.execute(events.delete().where(events.c.id == old[2]))
        db.session.rollback()
        problems = verify().problems
        assert f"event {old[3]}: link broken (previous hash does not match)" in problems
        assert any(problem.startswith(f"block {block_id} ") and "sealed with 4 events, 3 found" in problem
                   for problem in problems)
        with db.engine.begin() as connection:
            connection.execute(events.insert(), [{"id": old[2], **rows[2]}])  # put back as it was
            connection.execute(
                text("UPDATE audit_events SET form = :form, block_id = :block WHERE id = :id"),
                {"form": LINKED, "block": block_id, "id": old[2]},
            )
        db.session.rollback()
        assert verify().problems == []
        db.session.remove()  # its transaction would hold up the ALTER TABLEs on PostgreSQL

        downgrade(directory=MIGRATIONS, revision="0010")  # back to one linked chain, the new event included
        with db.engine.connect() as connection:
            linked = connection.execute(select(events).order_by(events.c.id)).all()
        previous = "0" * 64
        for row in linked:
            assert (row.prev_hash, row.hash) == (previous, _old_hash(previous, row.created_at, row.action, row.details))
            previous = row.hash
        assert [row.hash for row in linked[:4]] == [row["hash"] for row in rows]
        upgrade(directory=MIGRATIONS)
        result = verify()
        assert (result.checked, result.blocks, result.problems) == (5, 1, [])
        db.session.remove()
        db.engine.dispose()


def test_a_linked_audit_chain_is_sealed_and_verifies_sqlite(tmp_path):
    _migrate_a_linked_chain(f"sqlite:///{tmp_path / 'chain.sqlite'}")


def test_a_linked_audit_chain_is_sealed_and_verifies_postgresql():
    with _empty_postgresql_database() as url:
        # A lock left held by the test itself fails it instead of hanging it.
        _migrate_a_linked_chain(url, {"connect_args": {"options": "-c lock_timeout=20s"}})
