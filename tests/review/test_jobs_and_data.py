"""Reminder mails before the review deadline, personal data of reviewers, and the review demo records."""

from datetime import timedelta

from pb.auth.models import find_by_email
from pb.auth.personal_data import erase_all, export_all
from pb.calls.models import CallStatus, FundingCall
from pb.demo import seed_demo
from pb.extensions import db
from pb.jobs import JobRun
from pb.models_base import utcnow
from pb.review import jobs
from pb.review.models import ConflictDeclaration, Meeting, MeetingStatus, Review, ReviewAssignment
from pb.review.services import common, progress
from pb.transactions import commit
from tests.helpers import run_queued_jobs
from tests.review.support import review_setup, score

DAY = timedelta(days=1)


def test_reviewers_with_unfinished_reviews_get_one_reminder_a_day(app, outbox):
    setup = review_setup(deadline_days=2)
    for proposal in setup.proposals:
        score(proposal, setup.chair, 1, 1, 1)  # the chair is done
    score(setup.proposals[0], setup.member, 2, 2, 2, submit=False)
    assert jobs.queue_due_reminders() == [setup.call.id]
    assert jobs.queue_due_reminders() == [setup.call.id]  # the same job id today: queued once
    commit()
    run_queued_jobs(app)
    mails = outbox.messages()
    assert sorted(to for to, _subject, _body in mails) == sorted([setup.member.email, setup.expert.email])
    assert all("You have 3 proposals to review" in body for _to, _subject, body in mails)
    job_ids = db.session.execute(db.select(JobRun.id)).scalars().all()  # also the mail jobs, in no set order
    assert [job_id for job_id in job_ids if job_id.startswith("review-reminders-")][0].startswith(
        f"review-reminders-{setup.call.id}-"
    )


def test_no_reminder_long_before_or_after_the_deadline():
    setup = review_setup(deadline_days=10)
    assert jobs.due_calls() == []
    assert jobs.due_calls(now=setup.call.review_deadline + DAY) == []
    assert jobs.due_calls(now=setup.call.review_deadline - DAY) == [setup.call]


def test_reviewers_personal_data_export_and_erase():
    setup = review_setup()
    alpha, beta, _gamma = setup.proposals
    score(alpha, setup.member, 3, 3, 3)
    score(beta, setup.member, 1, 1, 1, submit=False)
    progress.assign(setup.staff, alpha, [setup.member.id])
    db.session.commit()
    data = export_all(setup.member)
    assert [r["proposal_id"] for r in data["review_conflict_declarations"]] == [alpha.id, beta.id]
    assert {(r["proposal_id"], r["status"]) for r in data["reviews"]} == {(alpha.id, "submitted"), (beta.id, "draft")}
    erase_all(setup.member, setup.member.email)
    db.session.commit()
    # the submitted review stays as part of the decision's record; the draft and the assignment go
    assert [r.proposal_id for r in db.session.execute(db.select(Review)).scalars()] == [alpha.id]
    assert db.session.execute(db.select(ReviewAssignment)).scalars().all() == []


def test_demo_has_a_call_in_review_and_a_decided_call(app):
    seed_demo(app.config["DEMO_PASSWORD"])
    steering = find_by_email("steering@demo.pb")
    calls = {call.title["en"]: call for call in db.session.execute(db.select(FundingCall)).scalars()}
    in_review = calls["Meeting places in the neighbourhoods"]
    assert in_review.status is CallStatus.IN_REVIEW
    states = sorted(progress.state_of(p, steering) for p in common.reviewable_proposals(in_review))
    assert states == ["declare", "recused", "submitted"]
    assert db.session.execute(db.select(Review).filter_by(channel="paper")).scalars().all()
    decided = calls["Summer yard parties"]
    assert decided.status is CallStatus.DECIDED
    meeting = db.session.execute(db.select(Meeting).filter_by(call_id=decided.id)).scalar_one()
    assert meeting.status is MeetingStatus.SIGNED
    assert all(p.decision_published_at is not None for p in common.reviewable_proposals(decided))
    assert db.session.execute(db.select(ConflictDeclaration).filter_by(has_conflict=True)).scalars().all()
    assert decided.review_deadline is None and utcnow() > decided.closes_at
