"""What implementation tracking holds about a person: the projects they follow (and, for staff, the
updates they posted, which stay: they are the municipality's public record, not the person's)."""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.implementation.models import ImplementationUpdate, ProjectFollower
from pb.implementation.services.following import followed_by


def export(user, email):
    follows = db.session.execute(
        db.select(ProjectFollower).filter_by(user_id=user.id).order_by(ProjectFollower.id)
    ).scalars()
    updates = db.session.execute(
        db.select(ImplementationUpdate).filter_by(created_by_id=user.id).order_by(ImplementationUpdate.id)
    ).scalars()
    return {
        "followed_projects": [
            {"project_id": f.implementation.project_id, "title": f.implementation.title, "since": iso(f.created_at)}
            for f in follows
        ],
        "implementation_updates_posted": [
            {"update_id": u.id, "project_id": u.implementation.project_id, "text": u.text,
             "posted_at": iso(u.created_at)}
            for u in updates
        ],
    }


def erase(user, email):
    db.session.execute(db.delete(ProjectFollower).where(ProjectFollower.user_id == user.id))


def on_account_page(user):
    return {"followed_projects": followed_by(user)}


register("implementation", export, erase, on_account_page)
