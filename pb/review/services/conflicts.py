"""Conflict-of-interest declarations (esteellisyys), automatic recusals and staff overrides."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.review.models import ConflictDeclaration
from pb.review.services.common import (
    ReviewRuleError,
    clock,
    declaration,
    declarations,
    is_reviewer,
    reviewable_proposals,
)


def automatic_conflict(proposal, user):
    """Why ``user`` is recused by the rules (member of the applicant, a co-applicant), or None."""
    organisation = proposal.organisation
    if organisation is not None and organisation.is_member(user):
        return _("Member of the applicant organisation")
    if proposal.coapplicant_for(user) is not None:
        return _("Co-applicant of the proposal")
    return None


def recuse_automatically(call):
    """Record a recusal for every member who belongs to an applicant or co-applies; returns the new rows."""
    group = call.steering_group
    if group is None:
        return []
    made = []
    for proposal in reviewable_proposals(call):
        for member in group.members:
            reason = automatic_conflict(proposal, member.user)
            if reason is None or declaration(proposal, member.user) is not None:
                continue
            row = ConflictDeclaration(
                proposal_id=proposal.id, user_id=member.user_id, has_conflict=True, reason=reason, automatic=True
            )
            db.session.add(row)
            db.session.flush()
            record(None, "review.recused_automatically", proposal, {"user_id": member.user_id, "reason": reason})
            made.append(row)
    return made


def declare(actor, proposal, member_user, has_conflict, reason="", now=None):
    """``member_user`` declares on ``proposal`` (``actor`` is staff when writing down a paper declaration).

    A declaration is made once: a recusal cannot be taken back by the member (only staff may lift
    it, with a reason), and "no conflict" stands as declared.
    """
    now = now or clock()
    if not is_reviewer(proposal, member_user):
        raise ReviewRuleError(_("Only the reviewers of this proposal declare conflicts of interest on it."))
    if declaration(proposal, member_user) is not None:
        raise ReviewRuleError(_("The declaration on this proposal has already been made."))
    reason = (reason or "").strip()
    automatic = automatic_conflict(proposal, member_user)
    if automatic is not None and not has_conflict:
        has_conflict, reason = True, automatic
    if has_conflict and not reason:
        raise ReviewRuleError(_("Write the reason for the conflict of interest, for example \"board member of the applicant\"."))
    row = ConflictDeclaration(
        proposal_id=proposal.id,
        user_id=member_user.id,
        has_conflict=has_conflict,
        reason=reason if has_conflict else "",
        automatic=automatic is not None,
        entered_by_id=actor.id if actor.id != member_user.id else None,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "review.conflict_declared" if has_conflict else "review.no_conflict_declared",
        proposal,
        {"user_id": member_user.id, "reason": row.reason, "on_paper": row.entered_by_id is not None},
    )
    return row


def override(actor, row, reason, now=None):
    """Staff lift a recusal; only with a reason, which the register and the minutes show."""
    now = now or clock()
    reason = (reason or "").strip()
    if not row.has_conflict or row.override_reason is not None:
        raise ReviewRuleError(_("This member is not recused from the proposal."))
    if not reason:
        raise ReviewRuleError(_("Write why the member may review the proposal despite the conflict."))
    if actor.id == row.user_id:
        raise ReviewRuleError(_("You cannot lift your own recusal. Another staff member must do it."))
    row.override_reason = reason
    row.overridden_by_id = actor.id
    row.overridden_at = now
    db.session.flush()
    record(actor, "review.recusal_overridden", row.proposal, {"user_id": row.user_id, "reason": reason})
    return row


def register(call):
    """Every declaration on the call's reviewed proposals: the register the minutes list."""
    return declarations([proposal.id for proposal in reviewable_proposals(call)])
