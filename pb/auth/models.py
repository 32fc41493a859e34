"""Accounts and their signed-in sessions."""

import hashlib
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from pb.extensions import db, login_manager
from pb.models_base import TimestampMixin, UTCDateTime, utcnow

_hasher = PasswordHasher()


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted: the row stays so that ballots, reviews and
    # decisions keep their integrity, but nothing in it identifies the person.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    stored_display_name: Mapped[str] = mapped_column("display_name", String(120))
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_staff_member: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Auditor (tarkastaja): sees every figure in full in staff previews, even groups of fewer ballots
    # than the secrecy minimum (pb.tally). Not implied by the admin role.
    is_auditor: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Changes whenever the password or email changes, so old sessions and tokens stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # Declared for neighbourhood voting (pb.voting): the year of birth and the home district.
    birth_year: Mapped[int | None]
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    # Keyed hash of the personal identity code, set by strong electronic identification
    # (pb.auth.identity): one account per person, and the same voter on every channel.
    person_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    def _get_display_name(self):
        # A deleted account keeps no name; readers see "Deleted user" in their own language.
        return _("Deleted user") if self.deleted_at is not None else self.stored_display_name

    def _set_display_name(self, value):
        self.stored_display_name = value

    display_name = synonym("stored_display_name", descriptor=property(_get_display_name, _set_display_name))

    def set_password(self, password):
        self.password_hash = _hasher.hash(password)

    def check_password(self, password):
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # The key of the session this request runs in (see UserSession); set at sign-in and by load_user.
    session_key = None

    def get_id(self):
        """What the session cookie and the remember-me cookie hold: account, session version, session key."""
        if not self.session_key:
            raise RuntimeError("start a session (pb.auth.sessions.start_session) before login_user")
        return f"{self.id}:{self.session_version}:{self.session_key}"

    @property
    def is_active(self):
        return self.deleted_at is None

    @property
    def is_verified(self):
        return self.is_active and self.email_verified_at is not None

    @property
    def is_staff(self):
        return self.is_active and (self.is_staff_member or self.is_admin)

    @property
    def sees_every_group(self):
        """An active auditor: staff previews show them groups smaller than the secrecy minimum."""
        return self.is_active and self.is_auditor

    @property
    def role_names(self):
        names = ["resident"] if self.is_verified else []
        if self.is_staff_member:
            names.append("staff")
        if self.is_admin:
            names.append("admin")
        return names

    def __repr__(self):
        return f"<User {self.id}>"


class UserSession(db.Model):
    """One signed-in browser. Its cookies carry a random key; the server keeps only the key's hash.

    Signing out deletes the row, so that browser's session cookie and remember-me cookie stop
    working wherever they were copied; a password change deletes the account's other rows.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    @staticmethod
    def hash_key(key):
        return hashlib.sha256(key.encode()).hexdigest()


@login_manager.user_loader
def load_user(session_id):
    """The active account whose live session the cookie names (one query), or None."""
    parts = session_id.split(":")
    if len(parts) != 3:
        return None  # also a cookie from before sessions were kept on the server: sign in again
    user_id, version, key = parts
    if not user_id.isdigit() or not version.isdigit() or not key:
        return None
    user = db.session.execute(
        db.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            UserSession.key_hash == UserSession.hash_key(key),
            UserSession.expires_at > utcnow(),
        )
    ).scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    user.session_key = key
    return user


def find_by_email(email):
    return db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()
