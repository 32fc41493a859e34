"""The working copy: a new draft, each step of the multi-step form saved (the autosave), and attachments.

Every save checks the version the form was built from (optimistic locking); an edit by someone
else in between is merged by field and never overwritten (see pb.proposals.services.merging).
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.districts.models import District
from pb.extensions import db
from pb.orgs.models import MemberRole
from pb.proposals.models import Attachment, BudgetLine, Channel, Goal, PartnerKind, Proposal, ProposalStatus
from pb.proposals.services.common import (
    ProposalRuleError,
    clock,
    ensure_accepting,
    ensure_open_for,
    ensure_version,
    kind_error,
    save_versioned,
)
from pb.proposals.services.merging import merged_step_data
from pb.proposals.services.rules import district_choices


def create_proposal(actor, call, organisation, title, now=None):
    """A new draft by a representative of ``organisation``."""
    now = now or clock()
    ensure_accepting(call, now)
    membership = organisation.membership_of(actor)
    if membership is None or membership.role is not MemberRole.REPRESENTATIVE:
        raise ProposalRuleError(_("Only a representative of %(name)s can apply in its name.", name=organisation.name))
    if organisation.kind.value not in call.eligible_kinds:
        raise ProposalRuleError(kind_error(organisation.kind))
    proposal = Proposal(
        call=call, organisation=organisation, created_by=actor, channel=Channel.ONLINE, title=title.strip(),
        created_at=now, updated_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    record(actor, "proposals.created", proposal, {"call_id": call.id, "organisation_id": organisation.id})
    return proposal


def _ensure_can_edit(actor, proposal, now):
    ensure_open_for(proposal, now)
    if not proposal.can_edit(actor, now):
        raise ProposalRuleError(_("You cannot change this proposal."))


def _audit_save(actor, proposal, step):
    action = "proposals.edited_after_submit" if proposal.status is ProposalStatus.SUBMITTED else "proposals.step_saved"
    record(actor, action, proposal, {"step": step, "version_id": proposal.version_id})


def _apply_basics(proposal, data):
    allowed = {district.id for district in district_choices(proposal.call)}
    if any(district_id not in allowed for district_id in data["district_ids"]):
        raise ProposalRuleError(_("Choose only districts that this call covers."))
    proposal.title = data["title"]
    proposal.summary = data["summary"]
    proposal.description = data["description"]
    proposal.target_groups = data["target_groups"]
    proposal.partners = [
        {"name": partner["name"], "kind": PartnerKind(partner["kind"]).value, "role": partner["role"]}
        for partner in data["partners"]
    ]
    proposal.start_date = data["start_date"]
    proposal.end_date = data["end_date"]
    ids = sorted(data["district_ids"])
    if [district.id for district in proposal.districts] != ids:
        proposal.districts = (
            db.session.execute(db.select(District).where(District.id.in_(ids)).order_by(District.id)).scalars().all()
            if ids
            else []
        )


def _apply_budget(proposal, data):
    # The call's limits are checked when the proposal is sent (and shown as warnings on the draft):
    # a draft keeps whatever was typed, as the start page promises.
    lines = data["lines"]
    proposal.budget_lines = [
        BudgetLine(position=position, item=item, amount_cents=amount)
        for position, (item, amount) in enumerate(lines, start=1)
    ]
    proposal.cofunding_cents = data["cofunding_cents"]
    proposal.cofunding_sources = data["cofunding_sources"]


def _apply_goals(proposal, data):
    proposal.goals = [
        Goal(position=position, change=goal["change"], measure=goal["measure"], baseline=goal["baseline"],
             target=goal["target"])
        for position, goal in enumerate(data["goals"], start=1)
    ]


_APPLY = {"basics": _apply_basics, "budget": _apply_budget, "goals": _apply_goals}


def save_step(actor, proposal, step, data, expected_version, now=None, loaded=None):
    """Save one step of the form into the working copy (the autosave of the multi-step form).

    ``expected_version`` is the version the form was built from and ``loaded`` the step's values
    it showed (:func:`pb.proposals.services.merging.loaded_marker`). If someone saved in between,
    the save is merged by field (:func:`merged_step_data`): only a field changed on both sides is a
    conflict (:class:`EditConflict`). Without ``loaded`` a changed row raises
    :class:`ChangedMeanwhile`. Either way nothing is saved on a refusal.
    """
    now = now or clock()
    _ensure_can_edit(actor, proposal, now)
    if str(expected_version) != str(proposal.version_id):
        merged = merged_step_data(proposal, step, data, loaded)
        if merged is None:
            ensure_version(proposal, expected_version)
        data = {**data, **merged}
    with db.session.no_autoflush:  # the first write must be the versioned one in save_versioned
        _APPLY[step](proposal, data)
    if proposal.status is ProposalStatus.SUBMITTED:
        proposal.has_unsent_changes = True
    save_versioned(proposal, now)
    _audit_save(actor, proposal, step)
    return proposal


def add_attachment(actor, proposal, stored, now=None):
    """Attach a file already checked and stored by :func:`pb.uploads.save_upload`."""
    now = now or clock()
    _ensure_can_edit(actor, proposal, now)
    attachment = Attachment(
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=actor,
        created_at=now,
    )
    proposal.attachments.append(attachment)
    if proposal.status is ProposalStatus.SUBMITTED:
        proposal.has_unsent_changes = True
    save_versioned(proposal, now)
    record(actor, "proposals.attachment_added", proposal, {"attachment_id": attachment.id, "size": stored.size})
    return attachment


def remove_attachment(actor, attachment, now=None):
    now = now or clock()
    proposal = attachment.proposal
    _ensure_can_edit(actor, proposal, now)
    if attachment.removed_at is not None:
        return
    attachment.removed_at = now
    if proposal.status is ProposalStatus.SUBMITTED:
        proposal.has_unsent_changes = True
    save_versioned(proposal, now)
    record(actor, "proposals.attachment_removed", proposal, {"attachment_id": attachment.id})
