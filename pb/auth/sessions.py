"""Signed-in sessions kept on the server (see pb.auth.models.UserSession): started at sign-in,
ended at sign-out, and all but the current one ended when the password or the address changes.
They flush; the caller records the audit event and the view commits."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_login import COOKIE_DURATION

from pb.auth.models import UserSession
from pb.extensions import db
from pb.models_base import utcnow

# Ended sessions cleared at each sign-in, at most this many, skipping rows another sign-in is clearing
# (so two sign-ins never wait for each other here).
_CLEAR_AT_ONCE = 100


def _lifetime(remember):
    """A remembered session lasts as long as its cookie; another one as long as a session may."""
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", COOKIE_DURATION)
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def _delete(statement):
    db.session.execute(statement, execution_options={"synchronize_session": False})


def start_session(user, remember=False):
    """A new session for ``user``; sets ``user.session_key`` for login_user (see User.get_id).

    The key itself goes only into the cookies; the table keeps its hash.
    """
    now = utcnow()
    ended = (
        db.select(UserSession.id)
        .where(UserSession.expires_at <= now)
        .limit(_CLEAR_AT_ONCE)
        .with_for_update(skip_locked=True)
    )
    _delete(db.delete(UserSession).where(UserSession.id.in_(ended.scalar_subquery())))
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=UserSession.hash_key(key),
            created_at=now,
            expires_at=now + _lifetime(remember),
        )
    )
    db.session.flush()
    user.session_key = key
    return key


def end_session(user):
    """End the session this request runs in (if it is ``user``'s): its cookies stop working everywhere."""
    if user.session_key:
        _delete(db.delete(UserSession).where(UserSession.key_hash == UserSession.hash_key(user.session_key)))
        user.session_key = None


def end_sessions(user, keep_current=True):
    """Every other session and every mailed link of ``user`` stop working.

    The session version changes (links and cookies carry it) and the session rows go. The session
    this request runs in stays if it is ``user``'s and ``keep_current``; the view keeps it signed in
    by calling login_user again, with the new version.
    """
    user.session_version = (user.session_version or 1) + 1
    others = db.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.session_key:
        others = others.where(UserSession.key_hash != UserSession.hash_key(user.session_key))
    _delete(others)
