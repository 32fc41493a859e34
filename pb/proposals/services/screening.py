"""Staff's eligibility check of a sent proposal after the call closes."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.proposals.models import Eligibility, IneligibilityReason
from pb.proposals.services.common import ProposalRuleError, clock, enqueue_job_after_commit, save_versioned


def screen(staff, proposal, eligibility, reason=None, note="", now=None):
    """Staff's eligibility check after the call closes; the applicant is told by mail after the commit."""
    now = now or clock()
    if not proposal.can_screen(staff, now):
        raise ProposalRuleError(
            _("Proposals can be checked only after the call has closed and before the review ends.")
        )
    if eligibility is Eligibility.NOT_ELIGIBLE and reason is None:
        raise ProposalRuleError(_("Choose the reason why the proposal is not eligible."))
    if eligibility is Eligibility.NOT_ELIGIBLE and reason is IneligibilityReason.OTHER and not note.strip():
        raise ProposalRuleError(_("Explain the other reason in the text field."))
    previous = proposal.eligibility
    proposal.eligibility = eligibility
    proposal.ineligibility_reason = reason if eligibility is Eligibility.NOT_ELIGIBLE else None
    proposal.screening_note = note.strip()
    proposal.screened_by = staff
    proposal.screened_at = now
    save_versioned(proposal, now)
    record(
        staff,
        "proposals.screened",
        proposal,
        {
            "eligibility": eligibility.value,
            "reason": proposal.ineligibility_reason.value if proposal.ineligibility_reason else None,
            "previous": previous.value if previous else None,
        },
    )
    enqueue_job_after_commit(
        "send_screening_result", proposal.id, job_id=f"proposals-screening-{proposal.id}-{proposal.version_id}"
    )
