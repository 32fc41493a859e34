"""Deadline reminders to proposals that are still drafts shortly before their call closes."""

from datetime import timedelta

from pb.calls.models import CallStatus, FundingCall
from pb.extensions import db
from pb.jobs import JobRun, enqueue
from pb.proposals.models import Proposal, ProposalStatus
from pb.proposals.services.common import clock

# Sent this long before the call closes, to people whose proposal is still a draft.
REMINDERS = (("1d", timedelta(days=1)), ("3d", timedelta(days=3)))


def due_reminders(now=None):
    """``[(proposal, kind)]``: drafts of open calls closing within 3 days; "1d" once within a day, else "3d"."""
    now = now or clock()
    longest = max(delta for _kind, delta in REMINDERS)
    calls = db.session.execute(
        db.select(FundingCall).where(
            FundingCall.status.in_((CallStatus.PUBLISHED, CallStatus.OPEN)),
            FundingCall.closes_at > now,
            FundingCall.closes_at <= now + longest,
        )
    ).scalars().all()
    due = []
    for call in calls:
        if not call.is_accepting_proposals(now):
            continue
        left = call.closes_at - now
        kind = next(kind for kind, delta in REMINDERS if left <= delta)
        drafts = db.session.execute(
            db.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status == ProposalStatus.DRAFT)
            .order_by(Proposal.id)
        ).scalars().all()
        due.extend((proposal, kind) for proposal in drafts)
    return due


def send_reminders(now=None):
    """Queue every due reminder once per proposal and kind (the job id makes a repeat a no-op).

    Returns how many reminders were queued for the first time.
    """
    queued = 0
    for proposal, kind in due_reminders(now):
        job_id = f"proposals-reminder-{proposal.id}-{kind}"
        if db.session.get(JobRun, job_id) is None:
            queued += 1
        enqueue("pb.proposals.jobs.send_deadline_reminder", proposal.id, kind, job_id=job_id)
    return queued
