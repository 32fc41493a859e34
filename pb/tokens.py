"""Signed, expiring tokens for the links we mail (confirm an address, reset a password, accept an invitation).

Each purpose has its own salt, so a token made for one purpose is rejected by
every other. The payload is signed, not encrypted: it holds ids, an address or a
version number, never a secret. Callers always pass ``max_age`` explicitly (from
the config, or a fixed value), so expiry is deterministic.
"""

import enum

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from pb.errors import LinkError
from pb.extensions import db


class Purpose(enum.StrEnum):
    VERIFY_EMAIL = "pb.auth.verify-email"
    RESET_PASSWORD = "pb.auth.reset-password"
    CHANGE_EMAIL = "pb.auth.change-email"
    ORGANISATION_INVITATION = "pb.orgs.invitation"
    COAPPLICANT_INVITATION = "pb.proposals.coapplicant"
    IMPLEMENTATION_UNFOLLOW = "pb.implementation.unfollow"


class InvalidToken(LinkError):
    """The link is broken, was made for something else, or no longer applies."""


class ExpiredToken(InvalidToken):
    """The link is authentic but older than its time limit."""

    def __init__(self, *messages, status=None):
        super().__init__(*messages, expired=True, status=status)


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=str(purpose))


def make_token(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token, max_age):
    """The payload dict of an authentic token; ``max_age=None`` checks the signature only."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ExpiredToken() from error
    except BadData as error:
        raise InvalidToken() from error
    if not isinstance(payload, dict):
        raise InvalidToken()
    return payload


def invitation_token(purpose, row, key):
    """A link for an invitation ``row`` (with ``id`` and ``email``): it names the row and the invited address."""
    return make_token(purpose, {key: row.id, "email": row.email})


def invited_row(purpose, token, max_age, model, key, *, error, expired_message, gone_message):
    """The invitation row a link names, if the link is authentic, young enough and the row still invites that address.

    Raises ``error`` (a :class:`LinkError` subclass) with the message for what went wrong.
    """
    try:
        payload = read_token(purpose, token, max_age=max_age)
    except ExpiredToken:
        raise error(expired_message, expired=True) from None
    except InvalidToken:
        raise error(_("This invitation link is not valid. Check that you copied the whole link.")) from None
    row = db.session.get(model, payload.get(key))
    if row is None or row.email != payload.get("email"):
        raise error(gone_message)
    return row
