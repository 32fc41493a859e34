"""What steering groups hold about a person: their memberships."""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.steering.models import SteeringMember


def _memberships(user):
    return db.session.execute(
        db.select(SteeringMember).filter_by(user_id=user.id).order_by(SteeringMember.id)
    ).scalars().all()


def export(user, email):
    members = _memberships(user)
    return {
        "steering_group_memberships": [
            {"group_id": m.group_id, "group": m.group.name, "role": str(m.role), "since": iso(m.created_at)}
            for m in members
        ],
    }


def erase(user, email):
    db.session.execute(db.delete(SteeringMember).where(SteeringMember.user_id == user.id))


def on_account_page(user):
    return {"steering_memberships": _memberships(user)}


register("steering", export, erase, on_account_page)
