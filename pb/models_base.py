"""Column types and mixins shared by every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use pb.models_base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def enum_type(enum_class):
    """Store a StrEnum by value as a plain string column (portable, readable in SQL)."""
    from pb.extensions import db

    return db.Enum(enum_class, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


def insert_unless_duplicate(model):
    """``INSERT ... ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite): a row that a unique constraint
    refuses is not inserted and RETURNING gives nothing back, where a plain INSERT would raise and
    need a savepoint (two more round trips) to keep the transaction usable."""
    from pb.extensions import db

    dialect = db.session.get_bind().dialect.name
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    if dialect not in dialects:
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for {dialect}")
    return dialects[dialect].insert(model).on_conflict_do_nothing()
