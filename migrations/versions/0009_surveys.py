"""Surveys: validated instruments, surveys, anonymous answer links, paper answers.

The answers table has no user, IP address, user agent, token or link column, and keeps only the day.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _enum(name, *values):
    # Stored as VARCHAR(30) (native_enum=False, as pb.models_base.enum_type makes it): no database type to share.
    return sa.Enum(*values, name=name, native_enum=False, length=30)


def _fk(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table, *columns, unique=False):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=unique)


def upgrade():
    op.create_table(
        "survey_instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("scale_labels", sa.JSON(), nullable=False),
        sa.Column("min_answered", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_note", sa.String(length=500), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scale_max > scale_min", name=op.f("ck_survey_instruments_scale_order")),
        sa.CheckConstraint("min_answered >= 1", name=op.f("ck_survey_instruments_min_answered_positive")),
        _fk("survey_instruments", "loaded_by_id", "users"),
        _fk("survey_instruments", "retired_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_instruments")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_survey_instruments_key")),
    )

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("subject_kind", _enum("subjectkind", "agreement", "round"), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("phase", _enum("surveyphase", "single", "before", "after"), nullable=False),
        sa.Column("before_id", sa.Integer(), nullable=True),
        sa.Column("state", _enum("surveystate", "draft", "open", "closed"), nullable=False),
        sa.Column("asks_background", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(subject_kind = 'agreement' AND agreement_id IS NOT NULL AND round_id IS NULL) OR "
            "(subject_kind = 'round' AND round_id IS NOT NULL AND agreement_id IS NULL)",
            name=op.f("ck_surveys_one_subject"),
        ),
        sa.CheckConstraint("(phase = 'after') = (before_id IS NOT NULL)", name=op.f("ck_surveys_after_has_before")),
        _fk("surveys", "agreement_id", "agreements"),
        _fk("surveys", "before_id", "surveys"),
        _fk("surveys", "created_by_id", "users"),
        _fk("surveys", "instrument_id", "survey_instruments"),
        _fk("surveys", "round_id", "budget_rounds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("before_id", name=op.f("uq_surveys_before_id")),
    )
    _index("surveys", "agreement_id", "instrument_id", "round_id", "state")

    op.create_table(
        "survey_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=True),
        _fk("survey_links", "survey_id", "surveys", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_links_token_hash")),
    )
    _index("survey_links", "survey_id")

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("channel", _enum("answerchannel", "link", "paper"), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_survey_answers_score_range")),
        _fk("survey_answers", "district_id", "districts"),
        _fk("survey_answers", "survey_id", "surveys", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    _index("survey_answers", "survey_id")


def downgrade():
    op.drop_table("survey_answers")
    op.drop_table("survey_links")
    op.drop_table("surveys")
    op.drop_table("survey_instruments")
