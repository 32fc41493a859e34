"""Codes that people type from paper or read aloud: voting codes, receipts, claim codes.

One alphabet without look-alikes, one way to show a code in groups, one way to read back what
was typed, and one keyed hash to store a code by: a copy of the database reveals no usable code.
"""

import hashlib
import hmac
import secrets

from flask import current_app

# No 0/O, 1/I/L: codes are typed from paper by people of every age and eyesight.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUP = 4


def random_code(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def formatted(code, group=GROUP):
    """``ABCDEFGHJKMN`` -> ``ABCD-EFGH-JKMN`` (easier to read aloud and to type)."""
    return "-".join(code[i : i + group] for i in range(0, len(code), group))


def normalise(text):
    """What a person typed -> the bare code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def looks_like_code(text, length):
    code = normalise(text)
    return len(code) == length and all(ch in ALPHABET for ch in code)


def app_key():
    return current_app.config["SECRET_KEY"].encode()


def hmac_hex(key, message):
    """HMAC-SHA256 of ``message`` under ``key`` (bytes), as hex."""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def keyed_hash(key, purpose, text):
    """What a code is stored and looked up by: the HMAC of ``purpose:`` and the normalised code."""
    return hmac_hex(key, f"{purpose}:{normalise(text)}")
