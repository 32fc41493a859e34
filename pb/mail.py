"""Outgoing mail, always through the job queue: SMTP through Flask-Mail when ``MAIL_SERVER`` is set,
else files in ``instance/outbox``.

:func:`send_mail` stores the message in the request's own transaction and queues its delivery
after the commit, so a failed request never mails about something that did not happen, and a
mail server that is down never turns a saved action into an error page: the delivery job fails,
staff see it on the jobs page, and it is retried (by RQ after a wait, or by staff) until it
goes out. A message's body is erased once it is sent, since it may hold a sign-in link.
"""

import logging
import re
import uuid
from datetime import datetime
from pathlib import Path

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb.audit.services import record
from pb.extensions import db, mail
from pb.jobs import JobRun, JobStatus, enqueue
from pb.models_base import UTCDateTime, utcnow
from pb.transactions import after_commit

log = logging.getLogger(__name__)

# Waits in seconds before RQ tries a failed delivery again; then it waits for staff.
RETRY_WAITS = (60, 600, 3600)
DELIVER = "pb.mail.deliver"


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class _Message(Message):
    """Flask-Mail's message with its subject encoded by the email package's own folding.

    Flask-Mail encodes a non-ASCII subject into RFC 2047 words itself, then its SMTP policy folds
    that string again and glues encoded words to plain text ("pitk=?utf-8?q?=C3=A4..."), which
    mail programs show broken. Given the plain subject, the policy encodes and folds it correctly.
    """

    def _message(self):
        message = super()._message()
        message.replace_header("Subject", self.subject)
        return message


def job_id_of(mail_id):
    return f"mail-{mail_id}"


def _queue_delivery(mail_id):
    after_commit(lambda: enqueue(DELIVER, mail_id, job_id=job_id_of(mail_id), retries=RETRY_WAITS))


def send_mail(to, subject, body):
    """Send a plain-text mail to one address once the current transaction commits."""
    message = OutgoingMail(recipient=to, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    _queue_delivery(message.id)


def deliver(mail_id):
    """The job: send one stored mail. Sending it again after it went out does nothing."""
    stored = db.session.get(OutgoingMail, mail_id)
    if stored is None or stored.sent_at is not None:
        return
    app = current_app
    message = _Message(
        subject=stored.subject, recipients=[stored.recipient], body=stored.body,
        sender=app.config["MAIL_DEFAULT_SENDER"],
    )
    if app.config.get("MAIL_SERVER"):
        mail.send(message)
    else:
        outbox = Path(app.config["OUTBOX_PATH"])
        outbox.mkdir(parents=True, exist_ok=True)
        safe_to = re.sub(r"[^A-Za-z0-9@._-]", "_", stored.recipient)
        path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{safe_to}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail to %s written to %s\nSubject: %s\n\n%s", stored.recipient, path, stored.subject, stored.body)
    stored.sent_at = utcnow()
    stored.body = ""
    db.session.commit()


def unsent_failed():
    """Stored mails whose delivery has failed and is not queued again: what staff are shown."""
    unsent = db.session.execute(
        db.select(OutgoingMail).where(OutgoingMail.sent_at.is_(None)).order_by(OutgoingMail.id)
    ).scalars().all()
    failed_runs = set(
        db.session.execute(
            db.select(JobRun.id).where(
                JobRun.id.in_([job_id_of(message.id) for message in unsent]), JobRun.status == JobStatus.FAILED
            )
        ).scalars()
    )
    return [message for message in unsent if job_id_of(message.id) in failed_runs]


def retry_failed(actor=None):
    """Queue every failed mail again (after the commit); returns how many."""
    failed = unsent_failed()
    for message in failed:
        _queue_delivery(message.id)
    if failed:
        record(actor, "mail.retried", details={"mails": [message.id for message in failed]})
    return len(failed)


def send_localized_mail(locale, to, subject, *paragraphs):
    """Mail ``to`` in ``locale``; ``subject`` and ``paragraphs`` are callables run in that locale."""
    with force_locale(locale):
        site = current_app.config["SITE_NAME"]
        body = "\n\n".join(paragraph() for paragraph in paragraphs)
        send_mail(to, f"{site}: {subject()}", f"{body}\n\n-- \n{site}\n")


def external_url(endpoint, **values):
    """An absolute link for a mail, also from a worker or the CLI, where there is no request.

    Outside a request the address comes from ``PB_BASE_URL`` (e.g. ``https://osallistu.example.fi``).
    """
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PB_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
