"""What the steering group's review does to a proposal: returning it for more information, and the
decision the applicant is told. The review domain decides; these keep the proposal's own rows."""

from pb.audit.services import record
from pb.proposals.models import DecisionOutcome
from pb.proposals.services.common import clock, save_versioned


def return_for_information(actor, proposal, note, now=None):
    """The applicants may change the proposal and send it again, although the call has closed."""
    now = now or clock()
    proposal.returned_at = now
    proposal.return_note = note.strip()
    proposal.decision_outcome = DecisionOutcome.RETURNED
    proposal.decision_published_at = now
    save_versioned(proposal, now)
    record(actor, "proposals.returned_for_information", proposal, {"version": len(proposal.versions)})


def publish_decision(actor, proposal, outcome, granted_cents, reasons, conditions, now=None):
    """The final decision as the applicant and the public see it (amount in cents, None unless funded)."""
    now = now or clock()
    proposal.decision_outcome = outcome
    proposal.granted_cents = granted_cents if outcome.is_funded else None
    proposal.decision_reasons = reasons.strip()
    proposal.decision_conditions = conditions.strip() if outcome.is_funded else ""
    proposal.decision_published_at = now
    proposal.returned_at = None
    save_versioned(proposal, now)
    record(
        actor,
        "proposals.decision_published",
        proposal,
        {"outcome": outcome.value, "granted_cents": proposal.granted_cents},
    )
