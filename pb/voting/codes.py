"""Secrets of voting: voter keys, one-time voting codes and receipt codes.

A ballot row must not name a person, yet the database must refuse a second ballot
from the same person. Both hold with a *voter key*: an HMAC of the voter's identity
("person:<keyed hash of the identity code>" when it is verified, else "user:<id>" or
"code:<id>") under a per-round secret, itself an HMAC of the app's
SECRET_KEY and the round's random ``key_salt``. Without SECRET_KEY the key cannot be
linked back to an account or a code; with it, the same person always gets the same
key in a round (and a different one in every other round, so rounds cannot be joined).

Voting codes and receipt codes are random, shown once, and stored only as keyed
hashes, so a copy of the database reveals no usable code. The alphabet, the grouping
(``ABCD-EFGH-JKMN``), reading back what was typed and the keyed hash are ``pb.codes``'s.
"""

import hashlib
import secrets

from pb.codes import app_key, hmac_hex, keyed_hash, looks_like_code, random_code

CODE_LENGTH = 12  # 31**12 ~ 2**59: guessing one of even a million codes is hopeless
RECEIPT_LENGTH = 12


def round_secret(budget_round):
    return bytes.fromhex(hmac_hex(app_key(), f"pb.voting.round:{budget_round.id}:{budget_round.key_salt}"))


def new_key_salt():
    return secrets.token_hex(16)


def voter_key(budget_round, identity):
    """``identity`` is "person:<hash>", "user:<id>" or "code:<id>"; the result is what a ballot stores."""
    return hmac_hex(round_secret(budget_round), f"voter:{identity}")


def person_voter_key(budget_round, person_hash):
    """The round's key of a person with a verified identity (``pb.auth.identity.person_hash``).

    Every channel that knows the person (identity document, electronic identification, a code
    letter from the register) gives this same key, so the ballots' unique constraint holds one
    person to one ballot per budget across channels.
    """
    return voter_key(budget_round, f"person:{person_hash}")


def account_identity(user):
    return f"user:{user.id}"


def code_identity(voting_code):
    return f"code:{voting_code.id}"


def order_seed(key, budget_id):
    """The voter's own project order in one budget: random-looking, but stable across page loads."""
    return int(hashlib.sha256(f"order:{key}:{budget_id}".encode()).hexdigest()[:12], 16)


def new_voting_code():
    return random_code(CODE_LENGTH)


def looks_like_voting_code(text):
    return looks_like_code(text, CODE_LENGTH)


def code_hash(budget_round, text):
    return keyed_hash(round_secret(budget_round), "code", text)


def new_receipt():
    return random_code(RECEIPT_LENGTH)


def looks_like_receipt(text):
    return looks_like_code(text, RECEIPT_LENGTH)


def receipt_hash(text):
    return keyed_hash(app_key(), "pb.voting.receipt", text)
