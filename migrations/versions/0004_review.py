"""Steering-group review: conflict declarations, reviews and scores, meetings and decisions;
review settings on calls; the returned state and the published decision on proposals.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DECISION_OUTCOME = sa.Enum(
    "approved", "approved_reduced", "rejected", "returned", name="decisionoutcome", native_enum=False, length=30
)


def upgrade():
    op.create_table('review_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'closed', 'signed', name='meetingstatus', native_enum=False, length=30), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_review_meetings_call_id_funding_calls')),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_review_meetings_chair_id_users')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_review_meetings_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_review_meetings_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_meetings'))
    )
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_meetings_call_id'), ['call_id'], unique=False)

    op.create_table('review_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_review_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_review_assignments_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignments')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_review_assignments_proposal_id'))
    )
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_assignments_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignments_user_id'), ['user_id'], unique=False)

    op.create_table('review_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_by_id', sa.Integer(), nullable=True),
    sa.Column('overridden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('has_conflict OR override_reason IS NULL', name=op.f('ck_review_conflicts_override_only_of_conflict')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_review_conflicts_entered_by_id_users')),
    sa.ForeignKeyConstraint(['overridden_by_id'], ['users.id'], name=op.f('fk_review_conflicts_overridden_by_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_review_conflicts_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_conflicts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_conflicts')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_review_conflicts_proposal_id'))
    )
    with op.batch_alter_table('review_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_conflicts_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_conflicts_user_id'), ['user_id'], unique=False)

    op.create_table('review_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('outcome', DECISION_OUTCOME, nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('over_budget_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmation', sa.Enum('confirmed', 'changed', name='confirmation', native_enum=False, length=30), nullable=True),
    sa.Column('official_outcome', DECISION_OUTCOME, nullable=True),
    sa.Column('official_amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('official_reasons', sa.Text(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents >= 0', name=op.f('ck_review_decisions_amount_not_negative')),
    sa.CheckConstraint('official_amount_cents IS NULL OR official_amount_cents >= 0', name=op.f('ck_review_decisions_official_amount_not_negative')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_review_decisions_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_review_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_review_decisions_meeting_id_review_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_review_decisions_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decisions')),
    sa.UniqueConstraint('meeting_id', 'proposal_id', name=op.f('uq_review_decisions_meeting_id'))
    )
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decisions_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='reviewstatus', native_enum=False, length=30), nullable=False),
    sa.Column('channel', sa.Enum('online', 'paper', name='reviewchannel', native_enum=False, length=30), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('recommendation', sa.Enum('fund', 'fund_with_changes', 'do_not_fund', name='recommendation', native_enum=False, length=30), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_reviews_entered_by_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_reviews_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('proposal_id', 'reviewer_id', name=op.f('uq_reviews_proposal_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('review_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('points IS NULL OR points >= 0', name=op.f('ck_review_scores_points_not_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['call_criteria.id'], name=op.f('fk_review_scores_criterion_id_call_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_scores_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_scores')),
    sa.UniqueConstraint('review_id', 'criterion_id', name=op.f('uq_review_scores_review_id'))
    )
    with op.batch_alter_table('review_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_scores_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_scores_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table("funding_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_deadline", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("official_confirms", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("appeal_text", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("return_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("decision_outcome", DECISION_OUTCOME, nullable=True))
        batch_op.add_column(sa.Column("granted_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("decision_reasons", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("decision_conditions", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("decision_published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        for column in ("decision_published_at", "decision_conditions", "decision_reasons", "granted_cents",
                       "decision_outcome", "return_note", "returned_at"):
            batch_op.drop_column(column)
    with op.batch_alter_table("funding_calls", schema=None) as batch_op:
        for column in ("appeal_text", "official_confirms", "review_deadline"):
            batch_op.drop_column(column)
    for table in ("review_scores", "reviews", "review_decisions", "review_conflicts", "review_assignments",
                  "review_meetings"):
        op.drop_table(table)
