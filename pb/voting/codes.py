"""Secrets of voting: voter keys, one-time voting codes and receipt codes.

A ballot row must not name a person, yet the database must refuse a second ballot
from the same person. Both hold with a *voter key*: an HMAC of the voter's identity
("user:<id>" or "code:<id>") under a per-round secret, itself an HMAC of the app's
SECRET_KEY and the round's random ``key_salt``. Without SECRET_KEY the key cannot be
linked back to an account or a code; with it, the same person always gets the same
key in a round (and a different one in every other round, so rounds cannot be joined).

Voting codes and receipt codes are random, shown once, and stored only as keyed
hashes, so a copy of the database reveals no usable code.
"""

import hashlib
import hmac
import secrets

from flask import current_app

# No 0/O, 1/I/L: codes are typed from paper by people of every age and eyesight.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31**12 ~ 2**59: guessing one of even a million codes is hopeless
RECEIPT_LENGTH = 12
GROUP = 4


def _hmac(key, message):
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _app_key():
    return current_app.config["SECRET_KEY"].encode()


def round_secret(budget_round):
    return bytes.fromhex(_hmac(_app_key(), f"pb.voting.round:{budget_round.id}:{budget_round.key_salt}"))


def new_key_salt():
    return secrets.token_hex(16)


def voter_key(budget_round, identity):
    """``identity`` is "user:<id>" or "code:<id>"; the result is what a ballot stores."""
    return _hmac(round_secret(budget_round), f"voter:{identity}")


def account_identity(user):
    return f"user:{user.id}"


def code_identity(voting_code):
    return f"code:{voting_code.id}"


def order_seed(key, budget_id):
    """The voter's own project order in one budget: random-looking, but stable across page loads."""
    return int(hashlib.sha256(f"order:{key}:{budget_id}".encode()).hexdigest()[:12], 16)


def _random_code(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def formatted(code):
    """``ABCDEFGHJKMN`` -> ``ABCD-EFGH-JKMN`` (easier to read aloud and to type)."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text):
    """What a person typed -> the bare code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def looks_like_code(text, length=CODE_LENGTH):
    code = normalise(text)
    return len(code) == length and all(ch in ALPHABET for ch in code)


def new_voting_code():
    return _random_code(CODE_LENGTH)


def code_hash(budget_round, text):
    return _hmac(round_secret(budget_round), f"code:{normalise(text)}")


def new_receipt():
    return _random_code(RECEIPT_LENGTH)


def receipt_hash(text):
    return _hmac(_app_key(), f"pb.voting.receipt:{normalise(text)}")
