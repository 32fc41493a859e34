"""What proposals hold about a person: the proposals they started and their co-applicant invitations.

The proposals themselves belong to the organisations and stay when the person's account is erased;
co-applicant rows name the person, so they go.
"""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.proposals.models import CoApplicant, Proposal


def _co_applicant_rows(user, email):
    return db.select(CoApplicant).where(
        db.or_(CoApplicant.user_id == user.id, db.func.lower(CoApplicant.email) == (email or ""))
    )


def export(user, email):
    proposals = db.session.execute(db.select(Proposal).filter_by(created_by_id=user.id).order_by(Proposal.id)).scalars()
    co_applicants = db.session.execute(_co_applicant_rows(user, email).order_by(CoApplicant.id)).scalars()
    return {
        "proposals_created": [
            {"proposal_id": p.id, "call_id": p.call_id, "organisation_id": p.organisation_id, "title": p.title,
             "status": str(p.status), "channel": str(p.channel), "created_at": iso(p.created_at),
             "submitted_at": iso(p.submitted_at)}
            for p in proposals
        ],
        "proposal_co_applicant_invitations": [
            {"proposal_id": c.proposal_id, "email": c.email, "partner": c.partner_name, "right": str(c.right),
             "invited_at": iso(c.created_at), "accepted_at": iso(c.accepted_at), "revoked_at": iso(c.revoked_at)}
            for c in co_applicants
        ],
    }


def erase(user, email):
    for row in db.session.execute(_co_applicant_rows(user, email)).scalars():
        db.session.delete(row)


register("proposals", export, erase)
