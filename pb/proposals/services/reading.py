"""Lists of proposals for the pages, and the public open data of a closed call.

A list that shows what each proposal sent (its latest version) loads the versions of all
its proposals together (``with_versions=True``): a fixed number of queries, not one per proposal.
"""

from sqlalchemy.orm import selectinload

from pb.calls.models import CallStatus
from pb.extensions import db
from pb.orgs.models import Membership
from pb.proposals.models import CoApplicant, Eligibility, Proposal, ProposalStatus
from pb.proposals.services.common import clock


def proposals_of(user):
    """Proposals ``user`` applies for, co-applies to, or sees as an organisation member; newest first."""
    organisation_ids = db.select(Membership.organisation_id).where(Membership.user_id == user.id)
    coapplied = db.select(CoApplicant.proposal_id).where(
        CoApplicant.user_id == user.id, CoApplicant.accepted_at.is_not(None), CoApplicant.revoked_at.is_(None)
    )
    query = (
        db.select(Proposal)
        .where(db.or_(Proposal.organisation_id.in_(organisation_ids), Proposal.id.in_(coapplied)))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )
    return [proposal for proposal in db.session.execute(query).scalars() if proposal.can_view(user)]


def call_proposals(call, include_drafts=False, with_versions=False):
    """The proposals sent to ``call`` (and its drafts if asked), oldest first; ``with_versions`` loads
    their versions in the same go, for lists that read each proposal's latest version."""
    query = db.select(Proposal).where(Proposal.call_id == call.id).order_by(Proposal.id)
    if not include_drafts:
        query = query.where(Proposal.status != ProposalStatus.DRAFT)
    if with_versions:
        query = query.options(selectinload(Proposal.versions))
    return db.session.execute(query).scalars().all()


def proposals_open_data(call, now=None):
    """Public fields of the proposals sent to ``call`` (their latest versions), once the call has closed.

    No personal data: organisations' names and kinds, never contact people or co-applicants.
    Returns None while the call still takes proposals (or is not public).
    """
    now = now or clock()
    if not call.is_public or call.effective_status(now) in (CallStatus.PUBLISHED, CallStatus.OPEN):
        return None
    items = []
    for proposal in call_proposals(call, with_versions=True):
        if proposal.status is not ProposalStatus.SUBMITTED:
            continue
        version = proposal.latest_version
        data = version.snapshot
        organisation = data["organisation"]
        items.append(
            {
                "id": proposal.id,
                "version": version.number,
                "submitted_at": version.submitted_at.isoformat(),
                "applicant": {
                    "name": organisation["name"] if organisation else data["applicant_name"],
                    "kind": data["applicant_kind"],
                },
                "title": data["title"],
                "summary": data["summary"],
                "description": data["description"],
                "target_groups": data["target_groups"],
                "districts": data["districts"],
                "partners": [{"name": p["name"], "kind": p["kind"]} for p in data["partners"]],
                "start_date": data["start_date"],
                "end_date": data["end_date"],
                "currency": "EUR",
                "requested_cents": data["requested_cents"],
                "cofunding_cents": data["cofunding_cents"],
                "total_cents": data["total_cents"],
                "budget_lines": data["budget_lines"],
                "goals": data["goals"],
                "eligible": (
                    None if proposal.eligibility is None else proposal.eligibility is Eligibility.ELIGIBLE
                ),
                "channel": data["channel"],
            }
        )
    return {"call_id": call.id, "status": call.effective_status(now).value, "proposals": items}
