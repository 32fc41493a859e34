"""Mail that invites an address, which may or may not have an account yet, to accept something."""

from flask_babel import gettext as _

from pb.auth.models import find_by_email
from pb.i18n import current_language
from pb.mail import send_localized_mail


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
