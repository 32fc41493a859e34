"""Staff's view of the work: assignments, each reviewer's progress, and who still has reviews to do
(for the reminder mails)."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.review.models import ReviewAssignment
from pb.review.services.common import (
    ReviewRuleError,
    assignments,
    declaration,
    reviewable_proposals,
    reviewer_ids,
)
from pb.review.services.reviews import review_of


def assign(actor, proposal, user_ids):
    """Staff choose which members review ``proposal`` (an empty choice means every member)."""
    group = proposal.call.steering_group
    members = {member.user_id for member in group.members} if group is not None else set()
    if any(user_id not in members for user_id in user_ids):
        raise ReviewRuleError(_("Only members of the steering group can review."))
    for row in assignments(proposal):
        db.session.delete(row)
    for user_id in sorted(set(user_ids)):
        db.session.add(ReviewAssignment(proposal_id=proposal.id, user_id=user_id, assigned_by_id=actor.id))
    db.session.flush()
    record(actor, "review.assigned", proposal, {"user_ids": sorted(set(user_ids))})


def state_of(proposal, user):
    """One reviewer's state on one proposal: "not_reviewer", "declare", "recused", "draft", "to_do", "submitted"."""
    if user.id not in reviewer_ids(proposal):
        return "not_reviewer"
    found = declaration(proposal, user)
    if found is None:
        return "declare"
    if found.recused:
        return "recused"
    review = review_of(proposal, user)
    if review is None:
        return "to_do"
    return "submitted" if review.is_submitted else "draft"


def progress(call):
    """``(members, proposals, {(proposal_id, user_id): state})`` for staff's table."""
    group = call.steering_group
    members = sorted(group.members, key=lambda m: m.user.display_name.lower()) if group is not None else []
    proposals = reviewable_proposals(call)
    table = {(p.id, m.user_id): state_of(p, m.user) for p in proposals for m in members}
    return members, proposals, table


def unfinished_by_reviewer(call):
    """``{user: [proposal, ...]}`` of reviews not submitted yet (declarations included)."""
    members, proposals, table = progress(call)
    result = {}
    for member in members:
        waiting = [p for p in proposals if table[(p.id, member.user_id)] in ("declare", "to_do", "draft")]
        if waiting:
            result[member.user] = waiting
    return result
