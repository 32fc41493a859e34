"""What a funded proposal's public story page tells: the proposal, the decision, the money granted,
released and spent, the indicators' targets and latest accepted values, and the closing assessment.
Organisations are named; no private person is (an informal group that is not registered shows its kind)."""

from pb.agreements.models import ReportStatus
from pb.agreements.services.drafting import agreement_of
from pb.agreements.services.reports import latest_values, spent_cents


def has_story(proposal):
    """A proposal has a public story once its funding decision is published."""
    outcome = proposal.decision_outcome
    return outcome is not None and outcome.is_funded and proposal.decision_published_at is not None


def applicant_label(proposal):
    if proposal.organisation is not None:
        return proposal.organisation.name
    return str(proposal.kind.label) if proposal.kind is not None else ""


def story_of(proposal):
    agreement = agreement_of(proposal)
    in_force = agreement is not None and agreement.is_in_force
    values = latest_values(agreement) if in_force else {}
    return {
        "proposal": proposal,
        "summary": proposal.latest_version.snapshot.get("summary", "") if proposal.latest_version else "",
        "applicant": applicant_label(proposal),
        "agreement": agreement if in_force else None,
        "indicators": [(indicator, values.get(indicator.id)) for indicator in agreement.indicators] if in_force else [],
        "released_cents": agreement.released_cents if in_force else 0,
        "spent_cents": spent_cents(agreement) if in_force else 0,
        "accepted_reports": [r for r in agreement.reports if r.status is ReportStatus.ACCEPTED] if in_force else [],
    }
