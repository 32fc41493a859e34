"""Sending the working copy (each submit freezes a :class:`ProposalVersion` snapshot) and withdrawing."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.proposals.models import ProposalStatus, ProposalVersion
from pb.proposals.services.common import (
    ProposalRuleError,
    clock,
    enqueue_job_after_commit,
    ensure_open_for,
    ensure_version,
    save_versioned,
)
from pb.proposals.services.rules import submit_problems


def snapshot(proposal):
    """The proposal's content as plain JSON data: what a version freezes."""

    def iso(value):
        return value.isoformat() if value is not None else None

    organisation = proposal.organisation
    return {
        "call_id": proposal.call_id,
        "organisation": (
            {"id": organisation.id, "name": organisation.name, "kind": organisation.kind.value}
            if organisation is not None
            else None
        ),
        "applicant_name": proposal.applicant_display_name,
        "applicant_kind": proposal.kind.value if proposal.kind is not None else None,
        "channel": proposal.channel.value,
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "target_groups": proposal.target_groups,
        "districts": [{"id": district.id, "name": district.name} for district in proposal.districts],
        "partners": [dict(partner) for partner in proposal.partners],
        "start_date": iso(proposal.start_date),
        "end_date": iso(proposal.end_date),
        "budget_lines": [{"item": line.item, "amount_cents": line.amount_cents} for line in proposal.budget_lines],
        "requested_cents": proposal.requested_cents,
        "cofunding_cents": proposal.cofunding_cents,
        "cofunding_sources": proposal.cofunding_sources,
        "total_cents": proposal.total_cents,
        "goals": [
            {"change": goal.change, "measure": goal.measure, "baseline": goal.baseline, "target": goal.target}
            for goal in proposal.goals
        ],
        "attachments": [
            {"id": attachment.id, "name": attachment.original_name, "size": attachment.size,
             "content_type": attachment.content_type}
            for attachment in proposal.active_attachments
        ],
    }


def submit(actor, proposal, expected_version, now=None):
    """Send the working copy: a new :class:`ProposalVersion`, a receipt by mail after the commit."""
    now = now or clock()
    ensure_open_for(proposal, now)
    if not proposal.can_submit(actor, now):
        if proposal.status is ProposalStatus.SUBMITTED and not proposal.has_unsent_changes:
            raise ProposalRuleError(_("There are no changes to send. The proposal you sent is in force."))
        raise ProposalRuleError(_("You cannot send this proposal."))
    ensure_version(proposal, expected_version)
    problems = submit_problems(proposal, now)
    if problems:
        raise ProposalRuleError(*problems)
    first = proposal.status is ProposalStatus.DRAFT
    returned = proposal.is_returned
    number = len(proposal.versions) + 1
    version = ProposalVersion(number=number, snapshot=snapshot(proposal), submitted_at=now, submitted_by=actor)
    proposal.versions.append(version)
    proposal.status = ProposalStatus.SUBMITTED
    proposal.has_unsent_changes = False
    if first:
        proposal.submitted_at = now
    if returned:
        proposal.returned_at = None  # the steering group looks at it again
    save_versioned(proposal, now)
    details = {"version": number, "requested_cents": proposal.requested_cents, "channel": proposal.channel.value}
    if returned:
        details["after_return"] = True
    record(actor, "proposals.submitted" if first else "proposals.resubmitted", proposal, details)
    enqueue_job_after_commit(
        "send_submission_receipt", proposal.id, number, job_id=f"proposals-receipt-{proposal.id}-v{number}"
    )
    return version


def withdraw(actor, proposal, now=None):
    now = now or clock()
    if not proposal.can_withdraw(actor, now):
        raise ProposalRuleError(_("This proposal can no longer be withdrawn."))
    previous = proposal.status
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = now
    save_versioned(proposal, now)
    record(actor, "proposals.withdrawn", proposal, {"from": previous.value})
