"""Signed, expiring tokens for the links we mail (confirm address, reset password, change address).

Each purpose has its own salt, so a token made for one purpose is rejected by
every other. The payload is signed, not encrypted: it holds ids and a version
number, never a secret. Callers always pass ``max_age`` explicitly (from the
config, or a fixed value in tests), so expiry is deterministic.
"""

import enum

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer


class Purpose(enum.StrEnum):
    VERIFY_EMAIL = "pb.auth.verify-email"
    RESET_PASSWORD = "pb.auth.reset-password"
    CHANGE_EMAIL = "pb.auth.change-email"


class InvalidToken(Exception):
    """The link is broken, was made for something else, or no longer applies."""


class ExpiredToken(InvalidToken):
    """The link is authentic but older than its time limit."""


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
