"""Reach: population figures per district and age band; the language of online ballots.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("ballots", sa.Column("language", sa.String(length=5), nullable=True))

    op.create_table(
        "population_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("residents >= 0", name=op.f("ck_population_figures_residents_not_negative")),
        sa.CheckConstraint("year BETWEEN 1900 AND 2200", name=op.f("ck_population_figures_year_range")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_population_figures_district_id_districts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_population_figures_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_figures")),
        sa.UniqueConstraint("year", "district_id", "age_band", name=op.f("uq_population_figures_year")),
    )
    with op.batch_alter_table("population_figures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_population_figures_year"), ["year"], unique=False)
        batch_op.create_index(batch_op.f("ix_population_figures_district_id"), ["district_id"], unique=False)


def downgrade():
    with op.batch_alter_table("population_figures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_population_figures_district_id"))
        batch_op.drop_index(batch_op.f("ix_population_figures_year"))
    op.drop_table("population_figures")
    op.drop_column("ballots", "language")
