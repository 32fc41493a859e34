"""Services: lifecycle transitions with audit rows, publish requirements, frozen criteria, comments."""

from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.audit.services import verify_chain
from pb.calls import services
from pb.calls.models import CallComment, CallStatus, FundingCall
from pb.calls.services import CallRuleError
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit
from tests.factories import make_call, make_district, make_steering_group, make_user

DAY = timedelta(days=1)


def audit_actions(subject=None):
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if subject is not None:
        query = query.where(AuditEvent.subject_type == "FundingCall", AuditEvent.subject_id == str(subject.id))
    return [event.action for event in db.session.execute(query).scalars()]


def call_data(**overrides):
    now = utcnow()
    data = {
        "title": {"fi": "Haku", "en": "Call"},
        "description": {"fi": "Kuvaus"},
        "themes": {"fi": "Teemat"},
        "total_budget_cents": 50_000_00,
        "min_grant_cents": 500_00,
        "max_grant_cents": 5_000_00,
        "eligible_kinds": ["ngo"],
        "cofunding_percent": 0,
        "whole_municipality": True,
        "district_ids": [],
        "opens_at": now + 10 * DAY,
        "closes_at": now + 30 * DAY,
        "steering_group_id": None,
    }
    data.update(overrides)
    return data


def criterion_data(name="Vaikuttavuus", weight=2, scale_max=5):
    return {"name": {"fi": name}, "guidance": {}, "weight": weight, "scale_max": scale_max}


@pytest.fixture
def staff():
    return make_user(staff=True, locale="en")


def test_full_lifecycle_is_audited_step_by_step(staff):
    group = make_steering_group()
    call = services.create_call(staff, call_data(steering_group_id=group.id))
    services.add_criterion(staff, call, criterion_data())
    now = utcnow()
    services.transition(staff, call, CallStatus.PUBLISHED, now)
    assert call.published_at == now
    services.transition(staff, call, CallStatus.OPEN, now + DAY)
    assert call.opens_at == now + DAY  # opened early: the public opening time tells the truth
    services.transition(staff, call, CallStatus.CLOSED, now + 2 * DAY)
    assert call.closes_at == now + 2 * DAY
    services.transition(staff, call, CallStatus.IN_REVIEW, now + 3 * DAY)
    services.transition(staff, call, CallStatus.DECIDED, now + 4 * DAY)
    services.transition(staff, call, CallStatus.ARCHIVED, now + 5 * DAY)
    commit()
    assert call.status is CallStatus.ARCHIVED
    assert audit_actions(call) == [
        "calls.created",
        "calls.criterion_added",
        "calls.published",
        "calls.opened",
        "calls.closed",
        "calls.review_started",
        "calls.decided",
        "calls.archived",
    ]
    opened = db.session.execute(db.select(AuditEvent).filter_by(action="calls.opened")).scalar_one()
    assert opened.actor_id == staff.id
    assert opened.details["from"] == "published" and opened.details["to"] == "open"
    assert "planned_opening" in opened.details
    assert verify_chain()[1] == []


@pytest.mark.parametrize(
    "state, target",
    [
        ("draft", CallStatus.OPEN),
        ("draft", CallStatus.ARCHIVED),
        ("upcoming", CallStatus.PUBLISHED),
        ("upcoming", CallStatus.CLOSED),
        ("open", CallStatus.OPEN),
        ("open", CallStatus.IN_REVIEW),
        ("closed", CallStatus.DECIDED),
        ("closed", CallStatus.CLOSED),
    ],
)
def test_illegal_transitions_are_refused_with_a_message_and_not_audited(staff, state, target):
    call = make_call(state)
    stored = call.status
    with pytest.raises(CallRuleError) as refused:
        services.transition(staff, call, target)
    assert "cannot be moved to" in str(refused.value)
    db.session.rollback()
    db.session.refresh(call)
    assert call.status is stored
    assert audit_actions() == []


def test_a_call_closed_by_the_clock_goes_straight_to_review(staff):
    call = make_call("closed")
    services.transition(staff, call, CallStatus.IN_REVIEW)
    event = db.session.execute(db.select(AuditEvent).filter_by(action="calls.review_started")).scalar_one()
    assert event.details == {"from": "closed", "to": "in_review", "stored_from": "published"}


def test_closing_an_open_call_moves_the_deadline_to_now(staff):
    call = make_call("open")
    now = utcnow()
    services.transition(staff, call, CallStatus.CLOSED, now)
    assert call.closes_at == now
    assert not call.is_accepting_proposals(now)


def test_publishing_requires_criteria_steering_group_and_dates(staff):
    call = services.create_call(staff, call_data(opens_at=None, closes_at=None))
    with pytest.raises(CallRuleError) as refused:
        services.transition(staff, call, CallStatus.PUBLISHED)
    messages = refused.value.messages
    assert len(messages) == 3
    assert any("criterion" in message for message in messages)
    assert any("steering group" in message for message in messages)
    assert any("opening time" in message for message in messages)
    assert call.status is CallStatus.DRAFT
    assert "calls.published" not in audit_actions()


def test_publishing_refuses_an_opening_time_in_the_past(staff):
    call = make_call("draft", opens_at=utcnow() - DAY)
    with pytest.raises(CallRuleError, match="future"):
        services.transition(staff, call, CallStatus.PUBLISHED)


def test_criteria_can_change_while_draft_or_published_but_freeze_at_opening(staff):
    call = make_call("upcoming", criteria=1)
    criterion = services.add_criterion(staff, call, criterion_data("Uusi"))
    services.update_criterion(staff, criterion, criterion_data("Muutettu", weight=5))
    assert criterion.weight == 5
    commit()
    opening = call.opens_at
    for attempt in (
        lambda: services.add_criterion(staff, call, criterion_data(), now=opening),
        lambda: services.update_criterion(staff, criterion, criterion_data(weight=9), now=opening),
        lambda: services.remove_criterion(staff, criterion, now=opening),
        lambda: services.move_criterion(staff, criterion, -1, now=opening),
    ):
        with pytest.raises(CallRuleError, match="can no longer be changed"):
            attempt()
    db.session.rollback()
    assert [c.weight for c in db.session.get(FundingCall, call.id).criteria] == [1, 5]


def test_explicitly_opened_call_freezes_criteria_before_the_planned_opening(staff):
    call = make_call("upcoming")
    services.transition(staff, call, CallStatus.OPEN)
    with pytest.raises(CallRuleError):
        services.add_criterion(staff, call, criterion_data())


def test_move_and_remove_keep_positions_in_order(staff):
    call = make_call("draft", criteria=3)
    first, second, third = call.criteria
    assert services.move_criterion(staff, third, -1)
    assert [c.id for c in call.criteria] == [first.id, third.id, second.id]
    assert not services.move_criterion(staff, first, -1)  # already at the top
    services.remove_criterion(staff, first)
    commit()
    call = db.session.get(FundingCall, call.id)
    assert [(c.id, c.position) for c in call.criteria] == [(third.id, 1), (second.id, 2)]
    assert audit_actions(call).count("calls.criteria_reordered") == 1
    assert "calls.criterion_removed" in audit_actions(call)


def test_update_call_records_changed_fields(staff):
    district = make_district("Itä")
    call = make_call("draft")
    data = call_data(
        steering_group_id=call.steering_group_id, whole_municipality=False, district_ids=[district.id],
        title={"fi": "Uusi nimi"},
    )
    changed = services.update_call(staff, call, data)
    assert {"title", "whole_municipality", "districts"} <= set(changed)
    assert [d.id for d in call.districts] == [district.id]
    event = db.session.execute(db.select(AuditEvent).filter_by(action="calls.updated")).scalar_one()
    assert "title" in event.details["fields"]
    assert services.update_call(staff, call, data) == []


def test_published_call_keeps_steering_group_and_future_opening(staff):
    call = make_call("upcoming")
    with pytest.raises(CallRuleError) as refused:
        services.update_call(staff, call, call_data(steering_group_id=None, opens_at=utcnow() - DAY))
    assert len(refused.value.messages) == 2


def test_open_call_details_cannot_be_edited(staff):
    call = make_call("open")
    with pytest.raises(CallRuleError, match="can no longer be changed"):
        services.update_call(staff, call, call_data(steering_group_id=call.steering_group_id))


def test_comments_only_between_publishing_and_opening(staff):
    resident = make_user()
    call = make_call("upcoming")
    comment = services.add_comment(resident, call, "Kysymys?", now=call.opens_at - DAY)
    assert audit_actions(call) == ["calls.comment_added"]
    with pytest.raises(CallRuleError, match="Comments are closed"):
        services.add_comment(resident, call, "Myöhässä", now=call.opens_at)
    with pytest.raises(CallRuleError, match="Comments are closed"):
        services.add_comment(resident, make_call("draft"), "Luonnos")
    answer = services.answer_comment(staff, comment, "Vastaus.", now=call.opens_at + DAY)
    assert answer.parent_id == comment.id and answer.call_id == call.id
    assert comment.answers == [answer]
    assert call.top_level_comments() == [comment]
    with pytest.raises(CallRuleError):
        services.answer_comment(staff, answer, "Vastaus vastaukseen.")
    with pytest.raises(CallRuleError, match="closed"):
        services.answer_comment(staff, comment, "Liian myöhään", now=call.closes_at)
    assert audit_actions(call) == ["calls.comment_added", "calls.comment_answered"]
    assert db.session.scalar(db.select(db.func.count(CallComment.id))) == 2


def test_public_calls_are_grouped_by_effective_status():
    now = utcnow()
    open_late = make_call("open", closes_at=now + 9 * DAY)
    open_soon = make_call("open")
    upcoming = make_call("upcoming")
    closed = make_call("closed")
    make_call("draft")
    make_call("closed", status=CallStatus.ARCHIVED)
    groups = services.public_calls(now)
    assert groups["open"] == [open_soon, open_late]
    assert groups["upcoming"] == [upcoming]
    assert groups["earlier"] == [closed]
    # Moving the clock past the upcoming call's opening moves it to the open group.
    assert upcoming in services.public_calls(upcoming.opens_at)["open"]


def test_demo_has_calls_in_every_early_state(app):
    from pb.demo import seed_demo

    assert seed_demo("demo-password-1")
    now = utcnow()
    calls = db.session.execute(db.select(FundingCall).order_by(FundingCall.id)).scalars().all()
    # The last two are the review's demo calls (pb.review.demo): one in review, one decided.
    assert [call.effective_status(now) for call in calls] == [
        CallStatus.OPEN, CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.DRAFT, CallStatus.DECIDED,
        CallStatus.IN_REVIEW,
    ]
    open_call = calls[0]
    assert len(open_call.criteria) == 3 and open_call.steering_group is not None
    assert open_call.top_level_comments()[0].answers
    assert verify_chain()[1] == []
