"""Outgoing mail: SMTP through Flask-Mail when ``MAIL_SERVER`` is set, else ``instance/outbox``.

Mail is sent only after the request's transaction commits, so a failed request
never mails about something that did not happen.
"""

import logging
import re
import uuid
from pathlib import Path

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from pb.auth.models import find_by_email
from pb.extensions import mail
from pb.i18n import current_language
from pb.models_base import utcnow
from pb.transactions import after_commit

log = logging.getLogger(__name__)


def send_mail(to, subject, body):
    """Send a plain-text mail to one address once the current transaction commits."""
    app = current_app._get_current_object()

    def deliver():
        message = Message(subject=subject, recipients=[to], body=body, sender=app.config["MAIL_DEFAULT_SENDER"])
        if app.config.get("MAIL_SERVER"):
            mail.send(message)
            return
        outbox = Path(app.config["OUTBOX_PATH"])
        outbox.mkdir(parents=True, exist_ok=True)
        safe_to = re.sub(r"[^A-Za-z0-9@._-]", "_", to)
        path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{safe_to}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail to %s written to %s\nSubject: %s\n\n%s", to, path, subject, body)

    after_commit(deliver)


def send_localized_mail(locale, to, subject, *paragraphs):
    """Mail ``to`` in ``locale``; ``subject`` and ``paragraphs`` are callables run in that locale."""
    with force_locale(locale):
        site = current_app.config["SITE_NAME"]
        body = "\n\n".join(paragraph() for paragraph in paragraphs)
        send_mail(to, f"{site}: {subject()}", f"{body}\n\n-- \n{site}\n")


def send_invitation_mail(email, subject, invited, link, closing):
    """Invite ``email`` to accept something through ``link`` (callables, as for :func:`send_localized_mail`).

    Written in the invitee's language when the address has an account, else in the page's language.
    """
    invitee = find_by_email(email)
    send_localized_mail(
        invitee.locale if invitee is not None else current_language(),
        email,
        subject,
        invited,
        lambda: _(
            "To accept, open the link below and log in with this email address: %(email)s. "
            "If you do not have an account yet, first create one with this email address.",
            email=email,
        ),
        link,
        closing,
    )


def external_url(endpoint, **values):
    """An absolute link for a mail, also from a worker or the CLI, where there is no request.

    Outside a request the address comes from ``PB_BASE_URL`` (e.g. ``https://osallistu.example.fi``).
    """
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PB_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
