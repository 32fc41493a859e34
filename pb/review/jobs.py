"""Reminder mails to reviewers with unfinished reviews before the call's review deadline.

:func:`queue_due_reminders` is the scheduled trigger (the scheduler or a CLI command calls it once a
day); it queues :func:`send_review_reminders` per call, under a job id fixed per call and day, so a
reviewer gets at most one reminder a day however often the trigger runs.
"""

from datetime import timedelta

from flask_babel import gettext as _

from pb.calls.models import CallStatus, FundingCall
from pb.extensions import db
from pb.i18n import local_datetime, localized
from pb.jobs import enqueue
from pb.mail import external_url, send_localized_mail
from pb.models_base import utcnow
from pb.review.services.progress import unfinished_by_reviewer
from pb.transactions import commit

REMIND_BEFORE = timedelta(days=3)


def due_calls(now=None):
    """Calls in review whose deadline is less than :data:`REMIND_BEFORE` away and not passed."""
    now = now or utcnow()
    query = db.select(FundingCall).where(
        FundingCall.status == CallStatus.IN_REVIEW, FundingCall.review_deadline.is_not(None)
    )
    return [
        call for call in db.session.execute(query).scalars()
        if now < call.review_deadline <= now + REMIND_BEFORE
    ]


def queue_due_reminders(now=None):
    """Queue today's reminder job of every due call; returns the call ids."""
    now = now or utcnow()
    ids = []
    for call in due_calls(now):
        enqueue("pb.review.jobs.send_review_reminders", call.id, job_id=f"review-reminders-{call.id}-{now:%Y%m%d}")
        ids.append(call.id)
    return ids


def send_review_reminders(call_id):
    """The job: one mail to each reviewer who still has declarations or reviews to finish."""
    call = db.session.get(FundingCall, call_id)
    if call is None or call.status is not CallStatus.IN_REVIEW:
        return 0
    sent = 0
    for user, proposals in unfinished_by_reviewer(call).items():
        if user.email and user.is_active:
            _remind(call, user, len(proposals))
            sent += 1
    commit()
    return sent


def _remind(call, user, count):
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Reviews to finish: %(call)s", call=localized(call.title)),
        lambda: _(
            "You have %(count)s proposals to review in the call %(call)s. The reviews must be ready by %(deadline)s.",
            count=count,
            call=localized(call.title),
            deadline=local_datetime(call.review_deadline),
        ),
        lambda: _("Your reviews:"),
        lambda: external_url("review.call", call_id=call.id),
    )
