"""Implementation of funded PB projects: one record per funded project, public timeline updates
with photos, and the residents who follow a project.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _status():
    # Stored as VARCHAR(30) (native_enum=False, as pb.models_base.enum_type makes it): no database type to share.
    return sa.Enum(
        "planned", "in_progress", "done", "cancelled", name="implementationstatus", native_enum=False, length=30
    )


def upgrade():
    op.create_table(
        "implementations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("tally_run_id", sa.Integer(), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("status", _status(), nullable=False),
        sa.Column("cancel_reason", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("planned_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("actual_cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "actual_cost_cents IS NULL OR actual_cost_cents >= 0",
            name=op.f("ck_implementations_actual_cost_not_negative"),
        ),
        sa.CheckConstraint(
            "actual_start IS NULL OR actual_end IS NULL OR actual_end >= actual_start",
            name=op.f("ck_implementations_actual_dates_order"),
        ),
        sa.CheckConstraint("planned_cost_cents >= 0", name=op.f("ck_implementations_planned_cost_not_negative")),
        sa.CheckConstraint(
            "planned_start IS NULL OR planned_end IS NULL OR planned_end >= planned_start",
            name=op.f("ck_implementations_planned_dates_order"),
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_implementations_progress_range")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_implementations_project_id_projects")),
        sa.ForeignKeyConstraint(
            ["tally_run_id"], ["tally_runs.id"], name=op.f("fk_implementations_tally_run_id_tally_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implementations")),
        sa.UniqueConstraint("project_id", name=op.f("uq_implementations_project_id")),
    )
    with op.batch_alter_table("implementations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_implementations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_implementations_tally_run_id"), ["tally_run_id"], unique=False)

    op.create_table(
        "implementation_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("implementation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["implementation_id"], ["implementations.id"],
            name=op.f("fk_implementation_followers_implementation_id_implementations"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_implementation_followers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implementation_followers")),
        sa.UniqueConstraint("implementation_id", "user_id", name="uq_implementation_follower"),
    )
    with op.batch_alter_table("implementation_followers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_implementation_followers_implementation_id"), ["implementation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_implementation_followers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "implementation_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("implementation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("photo_stored_name", sa.String(length=64), nullable=True),
        sa.Column("photo_content_type", sa.String(length=40), nullable=True),
        sa.Column("photo_alt", sa.JSON(), nullable=False),
        sa.Column("status", _status(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_implementation_updates_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["implementation_id"], ["implementations.id"],
            name=op.f("fk_implementation_updates_implementation_id_implementations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implementation_updates")),
    )
    with op.batch_alter_table("implementation_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_implementation_updates_implementation_id"), ["implementation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("implementation_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_implementation_updates_implementation_id"))
    op.drop_table("implementation_updates")
    with op.batch_alter_table("implementation_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_implementation_followers_user_id"))
        batch_op.drop_index(batch_op.f("ix_implementation_followers_implementation_id"))
    op.drop_table("implementation_followers")
    with op.batch_alter_table("implementations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_implementations_tally_run_id"))
        batch_op.drop_index(batch_op.f("ix_implementations_status"))
    op.drop_table("implementations")
