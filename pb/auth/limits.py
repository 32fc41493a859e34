"""Rate limits of the account forms (Flask-Limiter).

Wrong passwords are limited per address (generous: a school or a library shares one) and per
account, wherever the guesses come from. A right password, or a form error before any password
check, costs nothing: the limits count only what :func:`refuse_password` marks. The login form and
the account pages that ask for the current password share both counts.
"""

import hashlib

from flask import current_app, g, request
from flask_login import current_user

from pb.extensions import limiter


def refuse_password(field, message):
    """Show ``message`` on ``field`` and count this request as a wrong password."""
    g.password_refused = True
    field.errors.append(message)


def _password_refused(_response):
    return g.get("password_refused", False)


def _account_key(email):
    # Hashed: the limiter's storage and its log lines then hold no address.
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32] if email else ""


def _typed_account():
    return _account_key((request.form.get("email") or "").strip().lower())


def _signed_in_account():
    return _account_key(current_user.email if current_user.is_authenticated else None)


def _password_limits(account):
    by_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"],
        "password-by-address",
        methods=["POST"],
        deduct_when=_password_refused,
    )
    by_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
        "password-by-account",
        key_func=account,
        methods=["POST"],
        deduct_when=_password_refused,
    )
    return lambda view: by_address(by_account(view))


# The login form: the account is the address typed.
login_limit = _password_limits(_typed_account)
# Pages of a signed-in account that ask for its password.
password_limit = _password_limits(_signed_in_account)
# Registering and everything else that sends mail to an address someone typed: every POST counts.
mail_limit = limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
