"""Residents who follow a project: follow and unfollow (on the page, or from the link in each mail).

The mailed link carries a signed token (:data:`pb.tokens.Purpose.IMPLEMENTATION_UNFOLLOW`) naming the
account and the record, so it works without signing in and cannot be turned into another person's.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.implementation.models import ProjectFollower, ProjectImplementation
from pb.models_base import insert_unless_duplicate, utcnow
from pb.tokens import InvalidToken, Purpose, make_token, read_token


class FollowError(DomainError):
    """Following or unfollowing refused; the message is for the person."""


def follow(user, implementation):
    """Start following; returns the follower row (the existing one if already following, also when a
    second click arrives at the same moment: the database keeps one row). Flushes."""
    if not implementation.can_follow(user):
        raise FollowError(_("Confirm your email address first: the updates come by email."), status=403)
    inserted = db.session.execute(
        insert_unless_duplicate(ProjectFollower)
        .values(implementation_id=implementation.id, user_id=user.id, created_at=utcnow())
        .returning(ProjectFollower.id)
    ).scalar_one_or_none()
    if inserted is not None:
        record(user, "implementation.followed", implementation, {"user_id": user.id})
    return follower_row(user, implementation)


def unfollow(user, implementation, via=None):
    """Stop following; True if the person was following. Flushes. ``via`` notes where (e.g. "mail")."""
    existing = follower_row(user, implementation)
    if existing is None:
        return False
    db.session.delete(existing)
    db.session.flush()
    details = {"user_id": user.id}
    if via:
        details["via"] = via
    record(user, "implementation.unfollowed", implementation, details)
    return True


def follower_row(user, implementation):
    return db.session.execute(
        select(ProjectFollower).filter_by(implementation_id=implementation.id, user_id=user.id)
    ).scalar_one_or_none()


def follower_count(implementation):
    return db.session.scalar(
        select(func.count(ProjectFollower.id)).where(ProjectFollower.implementation_id == implementation.id)
    )


def is_following(user, implementation):
    return user.is_authenticated and follower_row(user, implementation) is not None


def followed_by(user):
    """The records ``user`` follows, oldest first."""
    return db.session.execute(
        select(ProjectImplementation)
        .join(ProjectFollower, ProjectFollower.implementation_id == ProjectImplementation.id)
        .where(ProjectFollower.user_id == user.id)
        .order_by(ProjectFollower.id)
    ).scalars().all()


def unfollow_token(user, implementation):
    return make_token(Purpose.IMPLEMENTATION_UNFOLLOW, {"user": user.id, "implementation": implementation.id})


def read_unfollow_token(token):
    """(user id, record) that an unfollow link names; raises ``InvalidToken`` for a link that is not one.

    The link stays valid as long as the signing key does (a mail a year old still unfollows):
    it can only ever stop mail, never start it.
    """
    payload = read_token(Purpose.IMPLEMENTATION_UNFOLLOW, token, max_age=None)
    user_id, implementation_id = payload.get("user"), payload.get("implementation")
    if not isinstance(user_id, int) or not isinstance(implementation_id, int):
        raise InvalidToken()
    implementation = db.session.get(ProjectImplementation, implementation_id)
    if implementation is None:
        raise InvalidToken()
    return user_id, implementation
