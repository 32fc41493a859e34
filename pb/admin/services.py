"""Staff and admin roles, and the read-only overviews of the staff pages. Services flush only."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.auth.models import User
from pb.errors import DomainError
from pb.extensions import db
from pb.jobs import JobRun

# Role name in URLs and audit details -> the User column that holds it.
ROLE_COLUMNS = {"staff": "is_staff_member", "admin": "is_admin", "auditor": "is_auditor"}


class RoleChangeRefused(DomainError):
    """``str(error)`` is a translated message for the admin."""


def user_query(search=None):
    query = db.select(User).order_by(db.func.lower(User.display_name), User.id)
    if search:
        query = query.where(
            User.email.icontains(search, autoescape=True) | User.display_name.icontains(search, autoescape=True)
        )
    return query


def job_runs_query():
    return db.select(JobRun).order_by(JobRun.created_at.desc(), JobRun.id.desc())


def _ensure_another_admin(user):
    """Refuse to leave nobody who can manage roles. Locks the admin rows (PostgreSQL) so that
    two admins removing each other at the same moment cannot both succeed."""
    admin_ids = db.session.execute(
        db.select(User.id).where(User.is_admin.is_(True), User.deleted_at.is_(None)).with_for_update()
    ).scalars()
    if not any(admin_id != user.id for admin_id in admin_ids):
        raise RoleChangeRefused(
            _(
                "This is the last administrator. Make another person an administrator first, "
                "so that someone can still manage roles."
            )
        )


def set_role(actor, user, role, granted):
    """Grant (``granted=True``) or revoke ``role`` ("staff", "admin" or "auditor"); returns False if nothing changed."""
    column = ROLE_COLUMNS[role]
    if getattr(user, column) == granted:
        return False
    if granted and not user.is_active:
        raise RoleChangeRefused(_("This account has been deleted, so it cannot get new roles."))
    if role == "admin" and not granted:
        _ensure_another_admin(user)
    setattr(user, column, granted)
    db.session.flush()
    record(actor, "admin.role_granted" if granted else "admin.role_revoked", user, {"role": role})
    return True
