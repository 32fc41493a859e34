"""Account state changes. Each one flushes and records an audit event; the view commits.

Audit details never hold an email address, a name or a password: the audit log
is append-only and hash-chained, so anything written there can never be erased
when the person deletes their account.
"""

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import current_app
from flask_babel import gettext as _

from pb.audit.models import AuditEvent
from pb.audit.services import record
from pb.auth import personal_data
from pb.auth.models import User, UserSession, find_by_email
from pb.auth.personal_data import iso
from pb.auth.sessions import end_session, end_sessions, start_session
from pb.errors import DomainError
from pb.extensions import db
from pb.mail import external_url, send_localized_mail
from pb.models_base import utcnow
from pb.tokens import InvalidToken, Purpose, make_token, read_token

_timing_hasher = PasswordHasher()
_timing_hash = None


class EmailTaken(DomainError):
    """The new address already belongs to another account."""


# -- mail ------------------------------------------------------------------------------------------




def _ignore_if_not_you():
    return _("If you did not do this, you can ignore this message.")


# -- registration and verification -----------------------------------------------------------------


def register(email, display_name, password, locale):
    """Create an unverified account and mail the confirmation link.

    If the address already has an account, nothing is created and the owner gets a
    note instead; the caller shows the same page either way, so the form does not
    reveal which addresses have accounts. Returns the new user, or None.
    """
    existing = find_by_email(email)
    if existing is not None:
        # Hash anyway, so that the response time does not tell the two cases apart either.
        _timing_hasher.hash(password)
        _mail_registration_attempt(existing)
        return None
    user = User(email=email, display_name=display_name, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(user, "auth.register", subject=user, details={"locale": locale})
    start_session(user)
    send_verification(user)
    return user


def _mail_registration_attempt(user):
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Someone tried to create an account with your address"),
        lambda: _("Someone tried to create a new account with this email address. You already have an account."),
        lambda: _("If it was you, log in here: %(url)s", url=external_url("auth.login")),
        lambda: _("If you forgot your password, make a new one here: %(url)s", url=external_url("auth.reset_request")),
        _ignore_if_not_you,
    )


def verification_token(user):
    return make_token(Purpose.VERIFY_EMAIL, {"user": user.id, "email": user.email})


def send_verification(user):
    url = external_url("auth.verify_email", token=verification_token(user))
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Confirm your email address"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _("Open this link to confirm your email address: %(url)s", url=url),
        lambda: _("The link works for %(hours)s hours.", hours=hours),
        _ignore_if_not_you,
    )


def _account_in(payload):
    """The active account a token payload names, or None."""
    user_id = payload.get("user")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.is_active else None


def _user_for_verification(token, max_age):
    payload = read_token(Purpose.VERIFY_EMAIL, token, max_age=max_age)
    user = _account_in(payload)
    if user is None or user.email != payload.get("email"):
        raise InvalidToken()
    return user


def verify_email(token):
    """Mark the address in ``token`` as confirmed. Returns (user, newly_verified)."""
    user = _user_for_verification(token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if user.email_verified_at is not None:
        return user, False
    user.email_verified_at = utcnow()
    record(user, "auth.email_verified", subject=user)
    return user, True


def renew_verification(token):
    """Mail a fresh link for an expired one; the signature proves the address received the first.

    Returns the user; raises InvalidToken if the link was never authentic or no longer applies.
    """
    user = _user_for_verification(token, max_age=None)
    if user.email_verified_at is None:
        send_verification(user)
    return user


# -- login ---------------------------------------------------------------------------------------


def authenticate(email, password):
    """The active account with this email and password, or None.

    An unknown address still costs one password check, so response times do not
    reveal which addresses have accounts.
    """
    user = find_by_email(email) if email else None
    if user is None or not user.is_active:
        _spend_password_check(password)
        return None
    return user if user.check_password(password) else None


def _spend_password_check(password):
    global _timing_hash
    if _timing_hash is None:
        _timing_hash = _timing_hasher.hash("pb-timing-equaliser")
    try:
        _timing_hasher.verify(_timing_hash, password or "")
    except VerificationError:
        pass


def sign_in(user, remember=False):
    start_session(user, remember)
    record(user, "auth.login", subject=user)


def sign_out(user):
    """End the session this request runs in: its cookies stop working, wherever they were copied."""
    end_session(user)
    record(user, "auth.logout", subject=user)


# -- passwords -----------------------------------------------------------------------------------


def _password_fingerprint(user):
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def request_password_reset(email):
    """Mail a reset link if an active account has this address; silently nothing otherwise."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token(
        Purpose.RESET_PASSWORD,
        {"user": user.id, "version": user.session_version, "password": _password_fingerprint(user)},
    )
    url = external_url("auth.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Make a new password"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _("Someone asked to make a new password for your account. Open this link to do it: %(url)s", url=url),
        lambda: _("The link works for %(minutes)s minutes and only once.", minutes=minutes),
        lambda: _("If you did not ask for this, you can ignore this message. Your password stays the same."),
    )


def user_for_reset(token):
    """The account a reset link is for; the link dies once the password or session version changes."""
    payload = read_token(Purpose.RESET_PASSWORD, token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = _account_in(payload)
    if (
        user is None
        or payload.get("version") != user.session_version
        or payload.get("password") != _password_fingerprint(user)
    ):
        raise InvalidToken()
    return user


def reset_password(user, new_password):
    user.set_password(new_password)
    end_sessions(user)
    if user.email_verified_at is None:
        # The link reached the mailbox, which proves the address as well as a confirmation link would.
        user.email_verified_at = utcnow()
    record(user, "auth.password_reset", subject=user)
    _mail_password_changed(user)


def change_password(user, new_password):
    user.set_password(new_password)
    end_sessions(user)
    record(user, "auth.password_changed", subject=user)
    _mail_password_changed(user)


def _mail_password_changed(user):
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Your password was changed"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _("The password of your account was changed. You were logged out on your other devices."),
        lambda: _(
            "If you did not do this, make a new password now: %(url)s", url=external_url("auth.reset_request")
        ),
    )


# -- profile and email address -------------------------------------------------------------------


def update_profile(user, display_name, locale):
    changed = [
        name
        for name, old, new in (("display_name", user.display_name, display_name), ("locale", user.locale, locale))
        if old != new
    ]
    if not changed:
        return False
    user.display_name = display_name
    user.locale = locale
    record(user, "auth.profile_updated", subject=user, details={"changed": changed})
    return True


def request_email_change(user, new_email):
    """Mail a confirmation link to the new address and a warning to the current one.

    Nothing changes until the link is opened. Whether the new address is taken is
    checked then, and shown only to whoever controls that address.
    """
    token = make_token(
        Purpose.CHANGE_EMAIL, {"user": user.id, "version": user.session_version, "email": new_email}
    )
    url = external_url("auth.confirm_email_change", token=token)
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    send_localized_mail(
        user.locale,
        new_email,
        lambda: _("Confirm your new email address"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _("Open this link to start using this address for your account: %(url)s", url=url),
        lambda: _("The link works for %(hours)s hours.", hours=hours),
        _ignore_if_not_you,
    )
    send_localized_mail(
        user.locale,
        user.email,
        lambda: _("Someone asked to change your email address"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _(
            "Someone asked to change the email address of your account. The change happens only when "
            "the link sent to the new address is opened."
        ),
        lambda: _("If you did not do this, change your password now: %(url)s", url=external_url("auth.reset_request")),
    )
    record(user, "auth.email_change_requested", subject=user)


def confirm_email_change(token):
    """Apply the change in ``token``. Returns the user; raises InvalidToken or EmailTaken."""
    payload = read_token(Purpose.CHANGE_EMAIL, token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = _account_in(payload)
    new_email = payload.get("email")
    if user is None or payload.get("version") != user.session_version or not new_email:
        raise InvalidToken()
    owner = find_by_email(new_email)
    if owner is not None and owner.id != user.id:
        raise EmailTaken()
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    end_sessions(user)
    record(user, "auth.email_changed", subject=user)
    send_localized_mail(
        user.locale,
        old_email,
        lambda: _("Your email address was changed"),
        lambda: _("Hello %(name)s,", name=user.display_name),
        lambda: _("Your account now uses a new email address. Mail will no longer come to this address."),
        lambda: _("If you did not do this, contact the staff through the help page: %(url)s", url=external_url("public.help")),
    )
    return user


# -- personal data -------------------------------------------------------------------------------


def export_data(user):
    """Everything stored about ``user``, as JSON-ready data (never the password hash)."""

    data = {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.locale,
            "email_confirmed_at": iso(user.email_verified_at),
            "roles": user.role_names,
            "birth_year": user.birth_year,
            "home_district_id": user.district_id,
            "created_at": iso(user.created_at),
            "updated_at": iso(user.updated_at),
        },
        "sessions": [
            {"started_at": iso(row.created_at), "ends_at": iso(row.expires_at)}
            for row in db.session.execute(
                db.select(UserSession).filter_by(user_id=user.id).order_by(UserSession.id)
            ).scalars()
        ],
        **personal_data.export_all(user),
        "actions_in_audit_log": [
            {
                "at": iso(e.created_at),
                "action": e.action,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "details": e.details,
            }
            for e in db.session.execute(
                db.select(AuditEvent).filter_by(actor_id=user.id).order_by(AuditEvent.id)
            ).scalars()
        ],
    }
    record(user, "auth.data_exported", subject=user)
    return data


def delete_account(user):
    """Erase the person and keep the row: ballots, reviews and decisions still point at it, anonymously."""
    email = user.email
    locale = user.locale
    personal_data.erase_all(user, email)
    user.email = None
    user.display_name = ""
    user.password_hash = None
    user.email_verified_at = None
    user.birth_year = None
    user.district_id = None
    user.is_staff_member = False
    user.is_admin = False
    user.deleted_at = utcnow()
    end_sessions(user, keep_current=False)
    record(user, "auth.account_deleted", subject=user)
    if email:
        send_localized_mail(
            locale,
            email,
            lambda: _("Your account was deleted"),
            lambda: _(
                "Your account and your personal details were deleted. Votes and decisions stay, "
                "but without any link to you."
            ),
            lambda: _("You can create a new account at any time."),
        )
