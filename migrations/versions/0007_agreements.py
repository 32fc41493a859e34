"""Funding agreements: versions both sides accept, indicators, instalments, reports with every sent copy,
their comment thread and attachments.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _enum(name, *values):
    # Stored as VARCHAR(30) (native_enum=False, as pb.models_base.enum_type makes it): no database type to share.
    return sa.Enum(*values, name=name, native_enum=False, length=30)


def _report_channel():
    return _enum("reportchannel", "online", "paper")


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
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("budget_lines", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("due_dates", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("has_unsent_changes", sa.Boolean(), nullable=False),
        sa.Column("closing_assessment", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_agreements_amount_not_negative")),
        _fk("agreements", "closed_by_id", "users"),
        _fk("agreements", "created_by_id", "users"),
        _fk("agreements", "proposal_id", "proposals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_agreements_proposal_id")),
    )

    op.create_table(
        "agreement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("staff_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grantee_accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("grantee_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        _fk("agreement_versions", "agreement_id", "agreements", ondelete="CASCADE"),
        _fk("agreement_versions", "grantee_accepted_by_id", "users"),
        _fk("agreement_versions", "proposed_by_id", "users"),
        _fk("agreement_versions", "staff_accepted_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_versions")),
        sa.UniqueConstraint("agreement_id", "number", name=op.f("uq_agreement_versions_agreement_id")),
    )
    _index("agreement_versions", "agreement_id")

    op.create_table(
        "agreement_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("baseline", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("kind", _enum("indicatorkind", "count", "share", "scale", "yes_no", "text"), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("reported_by", _enum("reporter", "grantee", "staff"), nullable=False),
        sa.CheckConstraint(
            "scale_min IS NULL OR scale_max IS NULL OR scale_max > scale_min",
            name=op.f("ck_agreement_indicators_scale_order"),
        ),
        _fk("agreement_indicators", "agreement_id", "agreements", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_indicators")),
    )
    _index("agreement_indicators", "agreement_id")

    op.create_table(
        "agreement_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("release_on", sa.Date(), nullable=True),
        sa.Column("after_report_number", sa.Integer(), nullable=True),
        sa.Column("status", _enum("instalmentstatus", "planned", "held", "released"), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_agreement_instalments_amount_positive")),
        _fk("agreement_instalments", "agreement_id", "agreements", ondelete="CASCADE"),
        _fk("agreement_instalments", "released_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_instalments")),
    )
    _index("agreement_instalments", "agreement_id")

    op.create_table(
        "agreement_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("status", _enum("reportstatus", "draft", "submitted", "returned", "accepted"), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("spending", sa.JSON(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("target_group_participants", sa.Integer(), nullable=True),
        sa.Column("channel", _report_channel(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_before_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_after_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "participants IS NULL OR participants >= 0", name=op.f("ck_agreement_reports_participants_not_negative")
        ),
        sa.CheckConstraint(
            "target_group_participants IS NULL OR target_group_participants >= 0",
            name=op.f("ck_agreement_reports_target_group_participants_not_negative"),
        ),
        _fk("agreement_reports", "accepted_by_id", "users"),
        _fk("agreement_reports", "agreement_id", "agreements", ondelete="CASCADE"),
        _fk("agreement_reports", "entered_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_reports")),
        sa.UniqueConstraint("agreement_id", "number", name=op.f("uq_agreement_reports_agreement_id")),
    )
    _index("agreement_reports", "agreement_id", "due_on", "status")

    op.create_table(
        "agreement_report_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("channel", _report_channel(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        _fk("agreement_report_submissions", "report_id", "agreement_reports", ondelete="CASCADE"),
        _fk("agreement_report_submissions", "submitted_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_report_submissions")),
        sa.UniqueConstraint("report_id", "number", name=op.f("uq_agreement_report_submissions_report_id")),
    )
    _index("agreement_report_submissions", "report_id")

    op.create_table(
        "agreement_report_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum("commentkind", "comment", "returned", "accepted"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("agreement_report_comments", "author_id", "users"),
        _fk("agreement_report_comments", "report_id", "agreement_reports", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_report_comments")),
    )
    _index("agreement_report_comments", "author_id", "report_id")

    op.create_table(
        "agreement_report_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("agreement_report_attachments", "report_id", "agreement_reports", ondelete="CASCADE"),
        _fk("agreement_report_attachments", "uploaded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_report_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_agreement_report_attachments_stored_name")),
    )
    _index("agreement_report_attachments", "report_id", "uploaded_by_id")


def downgrade():
    for table, columns in (
        ("agreement_report_attachments", ("report_id", "uploaded_by_id")),
        ("agreement_report_comments", ("author_id", "report_id")),
        ("agreement_report_submissions", ("report_id",)),
        ("agreement_reports", ("agreement_id", "due_on", "status")),
        ("agreement_instalments", ("agreement_id",)),
        ("agreement_indicators", ("agreement_id",)),
        ("agreement_versions", ("agreement_id",)),
        ("agreements", ()),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
