"""What an applicant is told after the eligibility check: how to ask for a correction (a text per call,
fi/sv/en, and its time limit in days) and when the decision is expected.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild on SQLite); the form keeps the number of days positive.
    op.add_column("funding_calls", sa.Column("correction_text", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("funding_calls", sa.Column("correction_days", sa.Integer(), nullable=True))
    op.add_column("funding_calls", sa.Column("decision_expected_on", sa.Date(), nullable=True))


def downgrade():
    op.drop_column("funding_calls", "decision_expected_on")
    op.drop_column("funding_calls", "correction_days")
    op.drop_column("funding_calls", "correction_text")
