"""Report reminders: a mail N days before a report is due and another N days after, if it is still not sent.

:func:`queue_due_reminders` is the periodic trigger (hourly, pb.jobs.PERIODIC_JOBS; without Redis the
``flask pb send-reminders`` command). It marks each reminder as sent and commits before queueing
:func:`send_report_reminder` under a job id fixed per report and kind, so each goes out once.
The days come from the config: ``PB_REPORT_REMINDER_DAYS_BEFORE`` (7) and ``PB_REPORT_REMINDER_DAYS_AFTER`` (3).
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from pb.agreements.models import Report, ReportStatus, helsinki_today
from pb.extensions import db
from pb.i18n import local_date
from pb.jobs import enqueue
from pb.mail import external_url, send_localized_mail
from pb.models_base import utcnow
from pb.transactions import commit

BEFORE, AFTER = "before", "after"


def reminder_days():
    config = current_app.config
    return int(config.get("PB_REPORT_REMINDER_DAYS_BEFORE", 7)), int(config.get("PB_REPORT_REMINDER_DAYS_AFTER", 3))


def due_reminders(today=None):
    """[(report, kind)] of reminders due today and not sent yet, for reports not sent in agreements in force."""
    today = today or helsinki_today()
    before, after = reminder_days()
    reports = db.session.execute(
        select(Report).where(Report.status.in_([ReportStatus.DRAFT, ReportStatus.RETURNED])).order_by(Report.id)
    ).scalars()
    due = []
    for report in reports:
        agreement = report.agreement
        if agreement.is_closed or not agreement.is_in_force:
            continue
        if report.reminded_before_at is None and today + timedelta(days=before) >= report.due_on >= today:
            due.append((report, BEFORE))
        if report.reminded_after_at is None and today >= report.due_on + timedelta(days=after):
            due.append((report, AFTER))
    return due


def queue_due_reminders(today=None):
    """Mark and queue every due reminder (each once); returns how many were queued."""
    due = due_reminders(today)
    now = utcnow()
    for report, kind in due:
        setattr(report, f"reminded_{kind}_at", now)
    commit()
    for report, kind in due:
        enqueue("pb.agreements.jobs.send_report_reminder", report.id, kind,
                job_id=f"agreement-report-reminder-{report.id}-{kind}")
    return len(due)


def send_report_reminder(report_id, kind):
    """The job: one mail to each representative and co-applicant with the right to edit."""
    report = db.session.get(Report, report_id)
    if report is None or report.is_sent:
        return 0
    agreement = report.agreement
    link = external_url("agreements.report", report_id=report.id)
    title = agreement.title
    sent = 0
    for user in grantee_editors(agreement):
        if not (user.is_active and user.email):
            continue
        subject = (
            (lambda: _("Report due soon: %(title)s", title=title)) if kind == BEFORE
            else (lambda: _("Report overdue: %(title)s", title=title))
        )
        send_localized_mail(
            user.locale, user.email, subject,
            lambda: _("Report %(number)s of the agreement \"%(title)s\" is due on %(day)s.",
                      number=report.number, title=title, day=local_date(report.due_on)),
            lambda: (_("Please send it by then.") if kind == BEFORE
                     else _("It has not been sent yet. Please send it as soon as you can, or tell staff what is holding it up.")),
            lambda: _("Fill in the report: %(link)s", link=link),
        )
        sent += 1
    commit()
    return sent


def grantee_editors(agreement):
    proposal = agreement.proposal
    users = []
    if proposal.organisation is not None:
        users += [m.user for m in proposal.organisation.memberships if proposal.is_representative(m.user)]
    users += [row.user for row in proposal.coapplicants
              if row.is_active and row.user is not None and agreement.is_grantee_editor(row.user)]
    seen, unique = set(), []
    for user in users:
        if user.id not in seen:
            seen.add(user.id)
            unique.append(user)
    return unique
