"""What every review service shares: the clock, the error, and who may see or do what.

One place answers "may this person open this proposal's review?", so every page, export and form
refuses a recused member in the same way.
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.calls.models import CallStatus
from pb.errors import DomainError
from pb.extensions import db
from pb.models_base import utcnow
from pb.proposals.models import Eligibility, Proposal, ProposalStatus
from pb.review.models import ConflictDeclaration, Decision, Meeting, MeetingStatus, ReviewAssignment

REVIEW_STATUSES = (CallStatus.IN_REVIEW, CallStatus.DECIDED, CallStatus.ARCHIVED)


def clock():
    """The server's time; tests pass ``now`` instead."""
    return utcnow()


class ReviewRuleError(DomainError):
    """A review change the rules refuse; ``messages`` are translated sentences for the person."""


def record_refusal(actor, action, subject, error):
    """Audit a refused attempt (bad score, late score, decision without reasons, forged id ...)."""
    record(actor, "review.refused", subject, {"attempt": action, "messages": list(error.messages)})


# --- who -----------------------------------------------------------------------------------------


def membership(call, user):
    group = call.steering_group
    return group.member_of(user) if group is not None else None


def is_staff(user):
    return bool(user is not None and user.is_authenticated and user.is_staff)


def can_view_call(call, user):
    """Staff, and the members of the call's steering group; nobody else sees anything of its review."""
    return is_staff(user) or membership(call, user) is not None


def reviewable_proposals(call):
    """The proposals the steering group reviews: sent (not withdrawn) and found eligible."""
    query = (
        db.select(Proposal)
        .where(
            Proposal.call_id == call.id,
            Proposal.status == ProposalStatus.SUBMITTED,
            Proposal.eligibility == Eligibility.ELIGIBLE,
        )
        .order_by(Proposal.id)
    )
    return db.session.execute(query).scalars().all()


def is_reviewable(proposal):
    return (
        proposal.status is ProposalStatus.SUBMITTED
        and proposal.eligibility is Eligibility.ELIGIBLE
        and proposal.call.effective_status() in REVIEW_STATUSES
    )


def assignments(proposal):
    query = db.select(ReviewAssignment).where(ReviewAssignment.proposal_id == proposal.id)
    return db.session.execute(query).scalars().all()


def reviewer_ids(proposal):
    """The members who review ``proposal``: those staff assigned, or every member of the group."""
    group = proposal.call.steering_group
    members = {member.user_id for member in group.members} if group is not None else set()
    assigned = {row.user_id for row in assignments(proposal)}
    return members & assigned if assigned else members


def is_reviewer(proposal, user):
    return bool(user is not None and user.is_authenticated and user.id in reviewer_ids(proposal))


def declaration(proposal, user):
    if user is None or not user.is_authenticated:
        return None
    query = db.select(ConflictDeclaration).where(
        ConflictDeclaration.proposal_id == proposal.id, ConflictDeclaration.user_id == user.id
    )
    return db.session.execute(query).scalar_one_or_none()


def declarations(proposal_ids):
    if not proposal_ids:
        return []
    query = db.select(ConflictDeclaration).where(ConflictDeclaration.proposal_id.in_(proposal_ids))
    return db.session.execute(query.order_by(ConflictDeclaration.id)).scalars().all()


def is_recused(proposal, user):
    found = declaration(proposal, user)
    return found is not None and found.recused


def can_open(proposal, user):
    """May ``user`` reach this proposal's review at all (the declaration page included)?

    Staff and the group's members, for a proposal under review, unless they are recused from it.
    """
    if not is_reviewable(proposal) or not can_view_call(proposal.call, user):
        return False
    return not is_recused(proposal, user)


def needs_declaration(proposal, user):
    """A member declares before seeing the details; staff outside the group read without one."""
    if membership(proposal.call, user) is None:
        return False
    return declaration(proposal, user) is None


def can_see_details(proposal, user):
    return can_open(proposal, user) and not needs_declaration(proposal, user)


# --- meetings and locks --------------------------------------------------------------------------


def agenda_items(proposal):
    query = db.select(Decision).join(Meeting).where(Decision.proposal_id == proposal.id).order_by(Meeting.id)
    return db.session.execute(query).scalars().all()


def scores_locked(proposal):
    """A meeting that took up the proposal has started: scores stand, unless it was returned since."""
    for item in agenda_items(proposal):
        if item.meeting.status is MeetingStatus.PLANNED:
            continue
        if item.outcome is None or item.final_outcome is None or item.final_outcome.is_final:
            return True
    return False


def locked_message():
    return _("The meeting that decides this proposal has started, so the reviews can no longer be changed.")
