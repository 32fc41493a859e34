"""Meetings: staff prepare them, the chair records a reasoned decision per proposal, closes the
meeting and signs the minutes (locked after that); where the call says so, an official confirms
or changes each decision. Applicants are told once a decision is in force (see notices)."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.calls import services as calls
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.proposals.models import DecisionOutcome
from pb.review.models import Confirmation, Decision, Meeting, MeetingStatus
from pb.review.services import notices
from pb.review.services.common import ReviewRuleError, clock, is_recused, reviewable_proposals
from pb.review.services.ranking import ranking


def meetings_of(call):
    query = db.select(Meeting).where(Meeting.call_id == call.id).order_by(Meeting.held_at, Meeting.id)
    return db.session.execute(query).scalars().all()


def _decision_rows(call):
    query = db.select(Decision).join(Meeting).where(Meeting.call_id == call.id).order_by(Decision.id)
    return db.session.execute(query).scalars().all()


def open_for_agenda(call):
    """Proposals a new meeting can take up: under review, not finally decided, not on another open agenda."""
    taken = set()
    for item in _decision_rows(call):
        if item.meeting.status is not MeetingStatus.SIGNED or (item.final_outcome and item.final_outcome.is_final):
            taken.add(item.proposal_id)
    return [proposal for proposal in reviewable_proposals(call) if proposal.id not in taken and not proposal.is_returned]


def prepare(actor, call, held_at, place, attendee_ids, chair_id, proposal_ids, now=None):
    """A planned meeting with its attendees (members of the group) and its agenda, in ranking order."""
    now = now or clock()
    if call.effective_status(now) is not CallStatus.IN_REVIEW:
        raise ReviewRuleError(_("A decision meeting can be prepared only while the call is in review."))
    group = call.steering_group
    members = {member.user_id: member for member in group.members} if group is not None else {}
    problems = []
    if not attendee_ids:
        problems.append(_("Choose who attends the meeting."))
    if any(user_id not in members for user_id in attendee_ids):
        problems.append(_("Only members of the steering group can attend."))
    if chair_id not in attendee_ids:
        problems.append(_("The chair must be one of the attendees."))
    available = {proposal.id: proposal for proposal in open_for_agenda(call)}
    if not proposal_ids:
        problems.append(_("Choose the proposals to decide."))
    if any(proposal_id not in available for proposal_id in proposal_ids):
        problems.append(_("One of the chosen proposals cannot be decided in this meeting."))
    if problems:
        raise ReviewRuleError(*problems)
    meeting = Meeting(
        call_id=call.id,
        held_at=held_at,
        place=place.strip(),
        chair_id=chair_id,
        prepared_by_id=actor.id,
        attendees=[
            {"user_id": user_id, "name": members[user_id].user.display_name, "role": members[user_id].role.value}
            for user_id in sorted(attendee_ids, key=lambda uid: members[uid].user.display_name.lower())
        ],
    )
    order = [row.proposal.id for row in ranking(call) if row.proposal.id in proposal_ids]
    for position, proposal_id in enumerate(order, start=1):
        proposal = available[proposal_id]
        meeting.items.append(
            Decision(proposal_id=proposal_id, position=position, version_number=proposal.latest_version.number)
        )
    db.session.add(meeting)
    db.session.flush()
    record(actor, "review.meeting_prepared", meeting, {"call_id": call.id, "agenda": order, "attendees": sorted(attendee_ids)})
    return meeting


def can_chair(meeting, user):
    """The meeting's chair runs it; staff may too (for instance when the chair is recused from an item)."""
    return bool(user is not None and user.is_authenticated and (user.id == meeting.chair_id or user.is_staff))


def _ensure_not_signed(meeting):
    if meeting.is_locked:
        raise ReviewRuleError(_("The minutes of this meeting are signed, so nothing in it can be changed."))


def start(actor, meeting, now=None):
    now = now or clock()
    _ensure_not_signed(meeting)
    if not can_chair(meeting, actor):
        raise ReviewRuleError(_("Only the chair or staff can start the meeting."))
    if meeting.status is not MeetingStatus.PLANNED:
        raise ReviewRuleError(_("The meeting has already started."))
    meeting.status = MeetingStatus.IN_PROGRESS
    meeting.started_at = now
    db.session.flush()
    record(actor, "review.meeting_started", meeting, {})
    return meeting


def approved_total(call, leaving_out=None):
    """Cents approved so far in the call (the final amounts), without the decision ``leaving_out``."""
    total = 0
    for item in _decision_rows(call):
        if item is leaving_out:
            continue
        amount = item.final_amount_cents
        if amount is not None:
            total += amount
    return total


def _amount_and_problems(proposal, outcome, amount_cents, reasons):
    """The amount a decision grants (all that was applied for, a reduced amount, or None) and what is
    wrong with it: the same rules for the meeting's decision and an official's change of it."""
    requested = proposal.latest_version.snapshot["requested_cents"]
    problems = []
    if not reasons:
        problems.append(_("Write the reasons for the decision. They are public."))
    if outcome is DecisionOutcome.APPROVED:
        amount_cents = requested
    elif outcome is DecisionOutcome.APPROVED_REDUCED:
        if amount_cents is None or not 0 < amount_cents < requested:
            problems.append(_("Write a reduced amount that is more than 0 and less than the amount applied for."))
    else:
        amount_cents = None
    return amount_cents, problems


def decide(actor, item, outcome, amount_cents, conditions, reasons, over_budget_reason="", now=None):
    """Record what the meeting decided on one agenda item; a change before the minutes are closed is kept
    in the audit log."""
    now = now or clock()
    meeting = item.meeting
    call = meeting.call
    proposal = item.proposal
    _ensure_not_signed(meeting)
    if not can_chair(meeting, actor):
        raise ReviewRuleError(_("Only the chair or staff can record decisions."))
    if is_recused(proposal, actor):
        raise ReviewRuleError(_("You are recused from this proposal, so you cannot decide on it."))
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        raise ReviewRuleError(_("Decisions are recorded during the meeting: start the meeting first."))
    reasons, conditions, over_budget_reason = reasons.strip(), conditions.strip(), (over_budget_reason or "").strip()
    amount_cents, problems = _amount_and_problems(proposal, outcome, amount_cents, reasons)
    if outcome is DecisionOutcome.RETURNED and conditions:
        problems.append(_("Conditions belong to an approval. Write what information is asked in the reasons."))
    if problems:
        raise ReviewRuleError(*problems)
    if amount_cents is not None:
        total = approved_total(call, leaving_out=item) + amount_cents
        if total > call.total_budget_cents and not over_budget_reason:
            raise ReviewRuleError(
                _(
                    "With this decision the approved total would be more than the budget of the call. "
                    "Lower the amount, or write the reason for going over the budget."
                )
            )
    else:
        over_budget_reason = ""
    previous = item.outcome.value if item.outcome else None
    item.outcome = outcome
    item.amount_cents = amount_cents
    item.conditions = conditions if outcome.is_funded else ""
    item.reasons = reasons
    item.over_budget_reason = over_budget_reason if amount_cents is not None else ""
    item.decided_at = now
    item.decided_by_id = actor.id
    item.version_number = proposal.latest_version.number
    db.session.flush()
    details = {
        "meeting_id": meeting.id, "outcome": outcome.value, "amount_cents": amount_cents, "previous": previous,
        "version": item.version_number,
    }
    if item.over_budget_reason:
        details["over_budget_reason"] = item.over_budget_reason
    record(actor, "review.decided", proposal, details)
    return item


def close(actor, meeting, notes="", now=None):
    now = now or clock()
    _ensure_not_signed(meeting)
    if not can_chair(meeting, actor):
        raise ReviewRuleError(_("Only the chair or staff can close the meeting."))
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        raise ReviewRuleError(_("Only a meeting in progress can be closed."))
    undecided = [item for item in meeting.items if not item.is_decided]
    if undecided:
        raise ReviewRuleError(_("Record a decision on every proposal on the agenda before closing the meeting."))
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = now
    meeting.notes = (notes or "").strip()
    db.session.flush()
    record(actor, "review.meeting_closed", meeting, {})
    return meeting


def sign(actor, meeting, now=None):
    """The chair signs the minutes: locked from now on; decisions in force are told to the applicants."""
    now = now or clock()
    _ensure_not_signed(meeting)
    if actor.id != meeting.chair_id:
        raise ReviewRuleError(_("Only the chair of the meeting signs the minutes."))
    if meeting.status is not MeetingStatus.CLOSED:
        raise ReviewRuleError(_("Close the meeting before signing the minutes."))
    meeting.status = MeetingStatus.SIGNED
    meeting.signed_at = now
    meeting.signed_by_id = actor.id
    db.session.flush()
    record(actor, "review.minutes_signed", meeting, {"decisions": [item.id for item in meeting.items]})
    for item in meeting.items:
        if item.outcome is DecisionOutcome.RETURNED or item.is_in_force:
            notices.notify(actor, item, now)
    finish_call_if_done(actor, meeting.call, now)
    return meeting


def confirm(actor, item, changed, outcome=None, amount_cents=None, reasons="", now=None):
    """An official (viranhaltija, staff here) confirms the steering group's proposed decision or changes it."""
    now = now or clock()
    meeting = item.meeting
    if not (actor.is_authenticated and actor.is_staff):
        raise ReviewRuleError(_("Only an official can confirm decisions."))
    if not meeting.call.official_confirms:
        raise ReviewRuleError(_("The decisions of this call need no confirmation."))
    if not meeting.is_locked:
        raise ReviewRuleError(_("Decisions are confirmed after the minutes are signed."))
    if item.confirmation is not None or item.outcome is DecisionOutcome.RETURNED:
        raise ReviewRuleError(_("This decision needs no confirmation now."))
    if is_recused(item.proposal, actor):
        raise ReviewRuleError(_("You are recused from this proposal, so you cannot decide on it."))
    if changed:
        reasons = (reasons or "").strip()
        amount_cents, problems = _amount_and_problems(item.proposal, outcome, amount_cents, reasons)
        if outcome is None or not outcome.is_final:
            problems.insert(0, _("Choose the decision."))
        if problems:
            raise ReviewRuleError(*problems)
        item.official_outcome = outcome
        item.official_amount_cents = amount_cents
        item.official_reasons = reasons
    item.confirmation = Confirmation.CHANGED if changed else Confirmation.CONFIRMED
    item.confirmed_by_id = actor.id
    item.confirmed_at = now
    db.session.flush()
    record(
        actor,
        "review.decision_changed_by_official" if changed else "review.decision_confirmed",
        item.proposal,
        {"decision_id": item.id, "outcome": item.final_outcome.value, "amount_cents": item.final_amount_cents},
    )
    notices.notify(actor, item, now)
    finish_call_if_done(actor, meeting.call, now)
    return item


def finish_call_if_done(actor, call, now):
    """The call is decided once every reviewed proposal has a final decision in force."""
    if call.effective_status(now) is not CallStatus.IN_REVIEW:
        return False
    in_force = {
        item.proposal_id for item in _decision_rows(call)
        if item.meeting.is_locked and item.is_in_force and item.final_outcome.is_final
    }
    if any(proposal.id not in in_force for proposal in reviewable_proposals(call)):
        return False
    calls.transition(actor, call, CallStatus.DECIDED, now)
    return True
