"""What organisations hold about a person: memberships, contact-person entries and invitations."""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.orgs.models import ContactPerson, Invitation, Membership


def _rows(query):
    return db.session.execute(query).scalars().all()


def _invitation(invitation):
    return {
        "organisation_id": invitation.organisation_id,
        "organisation": invitation.organisation.name,
        "email": invitation.email,
        "role": str(invitation.role),
        "sent_at": iso(invitation.created_at),
        "accepted_at": iso(invitation.accepted_at),
        "revoked_at": iso(invitation.revoked_at),
    }


def export(user, email):
    return {
        "organisation_memberships": [
            {
                "organisation_id": m.organisation_id,
                "organisation": m.organisation.name,
                "role": str(m.role),
                "since": iso(m.created_at),
            }
            for m in _rows(db.select(Membership).filter_by(user_id=user.id).order_by(Membership.id))
        ],
        "contact_person_entries": [
            {"organisation_id": c.organisation_id, "organisation": c.organisation.name, "name": c.name,
             "email": c.email, "phone": c.phone}
            for c in _rows(
                db.select(ContactPerson).where(db.func.lower(ContactPerson.email) == email).order_by(ContactPerson.id)
            )
        ],
        "invitations_sent": [
            _invitation(i) for i in _rows(db.select(Invitation).filter_by(invited_by_id=user.id).order_by(Invitation.id))
        ],
        "invitations_received": [
            _invitation(i)
            for i in _rows(db.select(Invitation).where(db.func.lower(Invitation.email) == email).order_by(Invitation.id))
        ],
    }


def erase(user, email):
    db.session.execute(db.delete(Membership).where(Membership.user_id == user.id))
    if email:
        db.session.execute(db.delete(ContactPerson).where(db.func.lower(ContactPerson.email) == email))
        db.session.execute(db.delete(Invitation).where(db.func.lower(Invitation.email) == email))


def on_account_page(user):
    return {
        "memberships": _rows(db.select(Membership).filter_by(user_id=user.id).order_by(Membership.id)),
    }


register("orgs", export, erase, on_account_page)
