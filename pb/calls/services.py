"""Funding calls: create and edit, criteria, lifecycle transitions, comments, public data.

Services flush and never commit; the view commits. Every change is audited in the
same transaction. A change the rules do not allow raises :class:`CallRuleError`,
whose text is a translated message for the person. ``now`` defaults to the server's
clock; tests pass it to move time.
"""

from flask import url_for
from flask_babel import gettext as _

from pb.audit.services import record
from pb.calls.models import PUBLIC_STATUSES, CallComment, CallStatus, Criterion, FundingCall
from pb.errors import DomainError
from pb.extensions import db
from pb.models_base import utcnow

DETAIL_FIELDS = (
    "title",
    "description",
    "themes",
    "total_budget_cents",
    "min_grant_cents",
    "max_grant_cents",
    "eligible_kinds",
    "cofunding_percent",
    "whole_municipality",
    "opens_at",
    "closes_at",
    "steering_group_id",
)

# Transition target -> (URL action name, audit verb).
TRANSITION_NAMES = {
    CallStatus.PUBLISHED: ("publish", "published"),
    CallStatus.OPEN: ("open", "opened"),
    CallStatus.CLOSED: ("close", "closed"),
    CallStatus.IN_REVIEW: ("start-review", "review_started"),
    CallStatus.DECIDED: ("decide", "decided"),
    CallStatus.ARCHIVED: ("archive", "archived"),
}
ACTIONS = {action: status for status, (action, _verb) in TRANSITION_NAMES.items()}


class CallRuleError(DomainError):
    """A change the rules do not allow; ``messages`` are translated sentences for the person."""


def _lock(call):
    """Re-read the call under a row lock (PostgreSQL) so two staff members cannot both move it."""
    db.session.refresh(call, with_for_update=True)


def _districts(district_ids):
    from pb.districts.models import District

    if not district_ids:
        return []
    query = db.select(District).where(District.id.in_(district_ids)).order_by(District.id)
    return db.session.execute(query).scalars().all()


def _frozen_error():
    return CallRuleError(
        _(
            "The call has opened, so its details and criteria can no longer be changed. "
            "Applicants are judged by what was published."
        )
    )


def _ensure_before_opening(call, now):
    if not call.is_before_opening(now):
        raise _frozen_error()


# --- the call itself -------------------------------------------------------------------------


def create_call(actor, data):
    """A new draft call from the form's :meth:`~pb.calls.forms.CallForm.call_data`."""
    call = FundingCall(status=CallStatus.DRAFT, created_by=actor, **{name: data[name] for name in DETAIL_FIELDS})
    call.districts = _districts(data["district_ids"])
    db.session.add(call)
    db.session.flush()
    record(actor, "calls.created", call, {"title": call.title.get("fi")})
    return call


def update_call(actor, call, data, now=None):
    """Change a call before it opens; returns the changed field names.

    A published call stays publishable: it keeps its steering group and dates, and its
    opening time must stay in the future (opening early is the "open" transition).
    """
    now = now or utcnow()
    _lock(call)
    _ensure_before_opening(call, now)
    if call.status is CallStatus.PUBLISHED:
        problems = []
        if data["steering_group_id"] is None:
            problems.append(_("A published call needs its steering group."))
        if data["opens_at"] is None or data["closes_at"] is None:
            problems.append(_("A published call needs both the opening time and the closing time."))
        elif data["opens_at"] <= now:
            problems.append(_("The opening time must be in the future. To open the call now, use \"Open now\"."))
        if problems:
            raise CallRuleError(*problems)
    changed = [name for name in DETAIL_FIELDS if getattr(call, name) != data[name]]
    for name in changed:
        setattr(call, name, data[name])
    if [district.id for district in call.districts] != list(data["district_ids"]):
        call.districts = _districts(data["district_ids"])
        changed.append("districts")
    if changed:
        db.session.flush()
        record(actor, "calls.updated", call, {"fields": changed})
    return changed


def transition(actor, call, target, now=None):
    """Move ``call`` to ``target`` if the lifecycle allows it from its effective status.

    Publishing needs criteria, a steering group, dates and an opening time in the
    future. Opening before the published opening time moves the opening time to now;
    closing before the deadline moves the deadline to now, so the public dates always
    tell the truth.
    """
    now = now or utcnow()
    _lock(call)
    current = call.effective_status(now)
    if not call.can_transition(target, now):
        raise CallRuleError(
            _(
                "A call that is \"%(current)s\" cannot be moved to \"%(target)s\".",
                current=current.label,
                target=target.label,
            )
        )
    details = {"from": current.value, "to": target.value}
    if call.status is not current:
        details["stored_from"] = call.status.value
    if target is CallStatus.PUBLISHED:
        problems = call.publish_problems(now)
        if problems:
            raise CallRuleError(*problems)
        call.published_at = now
    elif target is CallStatus.OPEN and call.opens_at > now:
        details["planned_opening"] = call.opens_at.isoformat()
        call.opens_at = now
    elif target is CallStatus.CLOSED and call.closes_at > now > call.opens_at:
        details["planned_closing"] = call.closes_at.isoformat()
        call.closes_at = now
    call.status = target
    db.session.flush()
    record(actor, f"calls.{TRANSITION_NAMES[target][1]}", call, details)
    return call


# --- review settings -------------------------------------------------------------------------

REVIEW_FIELDS = (
    "review_deadline", "official_confirms", "appeal_text", "correction_text", "correction_days", "decision_expected_on",
)


def update_review_settings(actor, call, data, now=None):
    """The review deadline, whether an official confirms the decisions, the appeal text (fi/sv/en), and what
    applicants are told after the eligibility check (the correction text and its days, the expected decision date).

    They may change until the call is decided; returns the changed field names.
    """
    now = now or utcnow()
    _lock(call)
    if not call.review_settings_open(now):
        raise CallRuleError(_("The call has been decided, so its review settings can no longer be changed."))
    # A caller may pass only some of the settings (the demo, other domains); the others stay.
    changed = [name for name in REVIEW_FIELDS if name in data and getattr(call, name) != data[name]]
    for name in changed:
        setattr(call, name, data[name])
    if changed:
        db.session.flush()
        record(actor, "calls.review_settings_updated", call, {"fields": changed})
    return changed


# --- criteria --------------------------------------------------------------------------------


def _renumber(call):
    for position, criterion in enumerate(call.criteria, start=1):
        criterion.position = position


def add_criterion(actor, call, data, now=None):
    _lock(call)
    _ensure_before_opening(call, now)
    criterion = Criterion(
        name=data["name"], guidance=data["guidance"], weight=data["weight"], scale_max=data["scale_max"],
        position=len(call.criteria) + 1,
    )
    call.criteria.append(criterion)
    db.session.flush()
    record(
        actor,
        "calls.criterion_added",
        call,
        {"criterion_id": criterion.id, "weight": criterion.weight, "scale_max": criterion.scale_max},
    )
    return criterion


def update_criterion(actor, criterion, data, now=None):
    call = criterion.call
    _lock(call)
    _ensure_before_opening(call, now)
    changed = [name for name in ("name", "guidance", "weight", "scale_max") if getattr(criterion, name) != data[name]]
    for name in changed:
        setattr(criterion, name, data[name])
    if changed:
        db.session.flush()
        record(actor, "calls.criterion_updated", call, {"criterion_id": criterion.id, "fields": changed})
    return changed


def remove_criterion(actor, criterion, now=None):
    call = criterion.call
    _lock(call)
    _ensure_before_opening(call, now)
    call.criteria.remove(criterion)
    _renumber(call)
    db.session.flush()
    record(actor, "calls.criterion_removed", call, {"criterion_id": criterion.id})


def move_criterion(actor, criterion, offset, now=None):
    """Move one place up (``offset=-1``) or down (``+1``); returns False at either end."""
    call = criterion.call
    _lock(call)
    _ensure_before_opening(call, now)
    order = list(call.criteria)
    index = order.index(criterion)
    other = index + offset
    if not 0 <= other < len(order):
        return False
    order[index], order[other] = order[other], order[index]
    for position, item in enumerate(order, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(call, ["criteria"])
    record(actor, "calls.criteria_reordered", call, {"order": [item.id for item in order]})
    return True


# --- comments --------------------------------------------------------------------------------


def add_comment(author, call, body, now=None):
    """A comment on the criteria of a published call; taken only until the call opens."""
    now = now or utcnow()
    if not call.comments_open(now):
        raise CallRuleError(
            _("Comments are closed: comments are taken only after the call is published and before it opens.")
        )
    comment = CallComment(call=call, author=author, body=body, created_at=now)
    db.session.add(comment)
    db.session.flush()
    record(author, "calls.comment_added", call, {"comment_id": comment.id})
    return comment


def answer_comment(actor, comment, body, now=None):
    """A staff answer to a resident's comment; possible until the call closes."""
    now = now or utcnow()
    call = comment.call
    if comment.is_answer:
        raise CallRuleError(_("Answer the original comment, not an answer."))
    if not call.answers_open(now):
        raise CallRuleError(_("The call has closed, so comments can no longer be answered."))
    answer = CallComment(call=call, parent_id=comment.id, author=actor, body=body, created_at=now)
    db.session.add(answer)
    db.session.flush()
    db.session.expire(comment, ["answers"])
    record(actor, "calls.comment_answered", call, {"comment_id": comment.id, "answer_id": answer.id})
    return answer


# --- queries and public data -----------------------------------------------------------------


def public_calls(now=None):
    """Public calls grouped by what a visitor can do: ``{"open": [...], "upcoming": [...], "earlier": [...]}``.

    Grouping uses :meth:`FundingCall.effective_status`, so the list and the call page always agree.
    Open calls closing soonest come first; archived calls are left out of the list.
    """
    now = now or utcnow()
    calls = db.session.execute(
        db.select(FundingCall).where(FundingCall.status.in_(PUBLIC_STATUSES - {CallStatus.ARCHIVED}))
    ).scalars().all()
    groups = {"open": [], "upcoming": [], "earlier": []}
    for call in calls:
        status = call.effective_status(now)
        if status is CallStatus.OPEN:
            groups["open"].append(call)
        elif status is CallStatus.PUBLISHED:
            groups["upcoming"].append(call)
        else:
            groups["earlier"].append(call)
    groups["open"].sort(key=lambda call: (call.closes_at, call.id))
    groups["upcoming"].sort(key=lambda call: (call.opens_at, call.id))
    groups["earlier"].sort(key=lambda call: (call.closes_at, call.id), reverse=True)
    return groups


def all_calls():
    query = db.select(FundingCall).order_by(FundingCall.created_at.desc(), FundingCall.id.desc())
    return db.session.execute(query).scalars().all()


def public_data(call, now=None):
    """The call's public fields as open data: every language, cents, UTC ISO 8601 times."""
    now = now or utcnow()

    def iso(value):
        return value.isoformat() if value is not None else None

    group = call.steering_group
    return {
        "id": call.id,
        "url": url_for("calls.show", call_id=call.id, _external=True),
        "status": call.effective_status(now).value,
        "accepting_proposals": call.is_accepting_proposals(now),
        "title": call.title,
        "description": call.description,
        "themes": call.themes,
        "currency": "EUR",
        "total_budget_cents": call.total_budget_cents,
        "min_grant_cents": call.min_grant_cents,
        "max_grant_cents": call.max_grant_cents,
        "eligible_applicant_kinds": [kind.value for kind in call.kinds],
        "cofunding_percent": call.cofunding_percent,
        "whole_municipality": call.whole_municipality,
        "districts": [{"id": district.id, "name": district.name} for district in call.districts],
        "opens_at": iso(call.opens_at),
        "closes_at": iso(call.closes_at),
        "published_at": iso(call.published_at),
        "steering_group": {"id": group.id, "name": group.name} if group is not None else None,
        "criteria": [
            {
                "position": criterion.position,
                "name": criterion.name,
                "guidance": criterion.guidance,
                "weight": criterion.weight,
                "scale_max": criterion.scale_max,
            }
            for criterion in call.criteria
        ],
    }


def open_calls_summary(limit=3, now=None):
    """The open calls that close soonest, for the front page."""
    return public_calls(now)["open"][:limit]
