"""Proposals: create, save each step, attachments, submit, withdraw, co-applicants, assisted
submission and claiming, screening, reminders and the lists and open data the pages read.

Services flush and never commit; the view commits. Every change is audited in the same
transaction. A change the rules do not allow raises :class:`ProposalRuleError` (a
:class:`pb.errors.DomainError`), whose ``messages`` are translated sentences for the person.
Time comes from :func:`clock` (server time, UTC) unless ``now`` is passed: the views read
``services.clock()`` and pass it on, so tests pass ``now`` or replace ``services.clock``.
Jobs are queued after the commit by their dotted name (``pb.proposals.jobs.<name>``).

One module per subject; callers use this package (``from pb.proposals import services``),
the modules import each other directly.
"""

from pb.proposals.services.assisted import (
    WrongClaimCode,
    assisted_in_progress,
    assisted_organisations,
    claim,
    create_assisted,
    proposal_for_claim_code,
    renew_claim_code,
    represented_organisations,
)
from pb.proposals.services.coapplicants import (
    accept_coapplicant,
    coapplicant_from_token,
    coapplicant_problem,
    coapplicant_token,
    invite_coapplicant,
    revoke_coapplicant,
)
from pb.proposals.services.common import (
    STEPS,
    ChangedMeanwhile,
    CoApplicantLinkError,
    ProposalRuleError,
    clock,
    closed_message,
)
from pb.proposals.services.decisions import publish_decision, return_for_information
from pb.proposals.services.drafting import add_attachment, create_proposal, remove_attachment, save_step
from pb.proposals.services.merging import EditConflict, loaded_marker
from pb.proposals.services.reading import call_proposals, proposals_of, proposals_open_data
from pb.proposals.services.reminders import due_reminders, send_reminders
from pb.proposals.services.rules import (
    budget_problems,
    district_choices,
    eligible_organisations,
    submit_problems,
    submit_problems_by_step,
)
from pb.proposals.services.screening import screen
from pb.proposals.services.submitting import snapshot, submit, withdraw

__all__ = [
    "STEPS",
    "ChangedMeanwhile",
    "CoApplicantLinkError",
    "EditConflict",
    "ProposalRuleError",
    "WrongClaimCode",
    "accept_coapplicant",
    "add_attachment",
    "assisted_in_progress",
    "assisted_organisations",
    "budget_problems",
    "call_proposals",
    "claim",
    "clock",
    "closed_message",
    "coapplicant_from_token",
    "coapplicant_problem",
    "coapplicant_token",
    "create_assisted",
    "create_proposal",
    "district_choices",
    "due_reminders",
    "eligible_organisations",
    "invite_coapplicant",
    "loaded_marker",
    "proposal_for_claim_code",
    "proposals_of",
    "proposals_open_data",
    "publish_decision",
    "remove_attachment",
    "renew_claim_code",
    "represented_organisations",
    "return_for_information",
    "revoke_coapplicant",
    "save_step",
    "screen",
    "send_reminders",
    "snapshot",
    "submit",
    "submit_problems",
    "submit_problems_by_step",
    "withdraw",
]
