"""Proposals: create, save each step, attachments, submit, withdraw, co-applicants, assisted
submission and claiming, screening, reminders and the data exports read.

Services flush and never commit; the view commits. Every change is audited in the same
transaction. A change the rules do not allow raises :class:`ProposalRuleError`, whose
``messages`` are translated sentences for the person. Time comes from :func:`clock`
(server time, UTC) unless ``now`` is passed; tests pass ``now`` or replace ``clock``.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm.exc import StaleDataError

from pb.audit.services import record
from pb.calls.models import CallStatus, FundingCall
from pb.extensions import db
from pb.i18n import money
from pb.mail import external_url, send_invitation_mail
from pb.models_base import utcnow
from pb.orgs.models import MemberRole, Membership, Organisation
from pb.proposals.models import (
    Attachment,
    BudgetLine,
    Channel,
    CoApplicant,
    Eligibility,
    Goal,
    IneligibilityReason,
    PartnerKind,
    Proposal,
    ProposalStatus,
    ProposalVersion,
)
from pb.transactions import after_commit

STEPS = ("basics", "budget", "goals", "attachments", "preview")
EDIT_STEPS = ("basics", "budget", "goals")
COAPPLICANT_SALT = "pb.proposals.coapplicant"
COAPPLICANT_MAX_AGE = 14 * 24 * 3600
# Sent this long before the call closes, to people whose proposal is still a draft.
REMINDERS = (("1d", timedelta(days=1)), ("3d", timedelta(days=3)))
# No 0/O or 1/I/L: the code is read aloud on the phone and copied from paper.
CLAIM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CLAIM_GROUPS = 3


def clock():
    """The server's time; the only clock the proposal pages use (tests replace it)."""
    return utcnow()


class ProposalRuleError(Exception):
    """A change the rules do not allow; ``messages`` are translated sentences for the person."""

    def __init__(self, *messages):
        super().__init__(" ".join(str(message) for message in messages))
        self.messages = [str(message) for message in messages]


class ChangedMeanwhile(ProposalRuleError):
    """Someone else saved the proposal after this form was shown; nothing was saved."""

    def __init__(self):
        super().__init__(
            _(
                "Someone else saved changes to this proposal while you were editing it, so your changes were "
                "not saved. What you typed is still in the form below: copy what you need, then reload the page "
                "to see their changes."
            )
        )


class CoApplicantLinkError(ProposalRuleError):
    def __init__(self, message, expired=False):
        super().__init__(message)
        self.expired = expired


# --- rules shared by the forms and the submit check -------------------------------------------


def budget_problems(call, requested_cents, cofunding_cents):
    """Translated sentences for a budget the call's limits do not allow; empty when it fits."""
    problems = []
    if requested_cents > call.max_grant_cents:
        problems.append(
            _(
                "You ask for %(amount)s, but one grant from this call can be at most %(max)s.",
                amount=money(requested_cents),
                max=money(call.max_grant_cents),
            )
        )
    elif requested_cents < call.min_grant_cents:
        problems.append(
            _(
                "You ask for %(amount)s, but one grant from this call must be at least %(min)s.",
                amount=money(requested_cents),
                min=money(call.min_grant_cents),
            )
        )
    percent = call.cofunding_percent
    total = requested_cents + cofunding_cents
    if percent and cofunding_cents * 100 < percent * total:
        if percent >= 100:
            needed = total
        else:
            needed = -(-percent * requested_cents // (100 - percent))  # rounded up to the cent
        problems.append(
            _(
                "Your own funding must be at least %(percent)s %% of all the costs. With what you ask for, "
                "your own funding must be at least %(needed)s. Now it is %(own)s.",
                percent=percent,
                needed=money(needed),
                own=money(cofunding_cents),
            )
        )
    return problems


def district_choices(call):
    """The districts a proposal to ``call`` may name: the call's, or all for a municipality-wide call."""
    from pb.districts.models import District

    if not call.whole_municipality:
        return list(call.districts)
    return db.session.execute(db.select(District).order_by(District.id)).scalars().all()


def eligible_organisations(user, call):
    """Organisations ``user`` represents whose kind may apply to ``call``."""
    kinds = set(call.eligible_kinds)
    rows = db.session.execute(
        db.select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Membership.role == MemberRole.REPRESENTATIVE)
        .order_by(db.func.lower(Organisation.name), Organisation.id)
    ).scalars().all()
    return [organisation for organisation in rows if organisation.kind.value in kinds]


def submit_problems(proposal, now=None):
    """What keeps the working copy from being sent, as translated sentences; empty when it can be sent."""
    now = now or clock()
    call = proposal.call
    problems = []
    if not call.is_accepting_proposals(now):
        problems.append(closed_message(call, now))
    if proposal.kind is None:
        problems.append(_("Choose the association or group that applies. Staff can help with this."))
    elif proposal.kind.value not in call.eligible_kinds:
        problems.append(_kind_error(proposal.kind))
    if not proposal.title.strip():
        problems.append(_("Give the proposal a name (step 1)."))
    if not proposal.summary.strip():
        problems.append(_("Write the summary in plain language (step 1)."))
    if not proposal.description.strip():
        problems.append(_("Describe the activity (step 1)."))
    if not call.whole_municipality and not proposal.districts:
        problems.append(_("Choose the districts where the activity takes place (step 1)."))
    allowed = {district.id for district in district_choices(call)}
    if any(district.id not in allowed for district in proposal.districts):
        problems.append(_("Choose only districts that this call covers (step 1)."))
    if proposal.start_date is None or proposal.end_date is None:
        problems.append(_("Give the start and end dates of the activity (step 1)."))
    if not proposal.budget_lines:
        problems.append(_("Add at least one cost to the budget (step 2)."))
    else:
        problems.extend(
            _("Budget (step 2): %(problem)s", problem=problem)
            for problem in budget_problems(call, proposal.requested_cents, proposal.cofunding_cents)
        )
    if not proposal.goals:
        problems.append(_("Add at least one goal (step 3)."))
    return problems


def _kind_error(kind):
    return _("A %(kind)s cannot apply to this call.", kind=str(kind.label).lower())


def closed_message(call, now):
    if call.effective_status(now) in (CallStatus.DRAFT, CallStatus.PUBLISHED):
        return _("The call is not open yet, so proposals cannot be sent.")
    return _("The call has closed, so proposals can no longer be sent or changed. The deadline was set by the call.")


def _ensure_accepting(call, now):
    if not call.is_accepting_proposals(now):
        raise ProposalRuleError(closed_message(call, now))


def _ensure_version(proposal, expected_version):
    if str(expected_version) != str(proposal.version_id):
        raise ChangedMeanwhile()


def _save(proposal, now):
    """Write the change with the version check; the row's version grows by one."""
    proposal.updated_at = now  # so the row itself is updated (and its version checked) even if only rows below changed
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile() from None


# --- create ----------------------------------------------------------------------------------


def create_proposal(actor, call, organisation, title, now=None):
    """A new draft by a representative of ``organisation``."""
    now = now or clock()
    _ensure_accepting(call, now)
    membership = organisation.membership_of(actor)
    if membership is None or membership.role is not MemberRole.REPRESENTATIVE:
        raise ProposalRuleError(_("Only a representative of %(name)s can apply in its name.", name=organisation.name))
    if organisation.kind.value not in call.eligible_kinds:
        raise ProposalRuleError(_kind_error(organisation.kind))
    proposal = Proposal(
        call=call, organisation=organisation, created_by=actor, channel=Channel.ONLINE, title=title.strip(),
        created_at=now, updated_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    record(actor, "proposals.created", proposal, {"call_id": call.id, "organisation_id": organisation.id})
    return proposal


def _new_claim_code():
    groups = ("".join(secrets.choice(CLAIM_ALPHABET) for _ in range(4)) for _ in range(CLAIM_GROUPS))
    return "-".join(groups)


def _claim_hash(code):
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def create_assisted(staff, call, applicant, title, organisation=None, now=None):
    """Staff start a proposal for a group met at a pop-up point or on the phone.

    ``applicant`` has ``name``, ``email`` and ``phone`` as the group told them. Returns
    ``(proposal, claim_code)``: the code is shown to staff once, to give to the group.
    """
    now = now or clock()
    _ensure_accepting(call, now)
    kind = organisation.kind if organisation is not None else applicant["kind"]
    if kind.value not in call.eligible_kinds:
        raise ProposalRuleError(_kind_error(kind))
    code = _new_claim_code()
    proposal = Proposal(
        call=call,
        organisation=organisation,
        created_by=staff,
        assisted_by=staff,
        channel=Channel.ASSISTED,
        applicant_name=applicant["name"],
        applicant_kind=None if organisation is not None else applicant["kind"],
        applicant_email=applicant.get("email") or None,
        applicant_phone=applicant.get("phone") or None,
        claim_code_hash=_claim_hash(code),
        title=title.strip(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    record(
        staff,
        "proposals.assisted_created",
        proposal,
        {"call_id": call.id, "organisation_id": organisation.id if organisation else None, "staff_id": staff.id},
    )
    return proposal, code


def renew_claim_code(staff, proposal):
    """A new claim code when the group lost the first one; the old one stops working."""
    if not proposal.is_unclaimed_assisted:
        raise ProposalRuleError(_("This proposal has already been taken over by the group."))
    code = _new_claim_code()
    proposal.claim_code_hash = _claim_hash(code)
    _save(proposal, clock())
    record(staff, "proposals.claim_code_renewed", proposal)
    return code


def proposal_for_claim_code(code):
    if not code:
        return None
    return db.session.execute(
        db.select(Proposal).where(Proposal.claim_code_hash == _claim_hash(code))
    ).scalar_one_or_none()


def claim(user, code, organisation, now=None):
    """The group's representative takes over an assisted proposal with its one-time code."""
    now = now or clock()
    proposal = proposal_for_claim_code(code)
    if proposal is None:
        raise ProposalRuleError(
            _("This code does not match any proposal. Check the code, or ask the staff for a new one.")
        )
    membership = organisation.membership_of(user)
    if membership is None or membership.role is not MemberRole.REPRESENTATIVE:
        raise ProposalRuleError(_("Only a representative of %(name)s can take it over.", name=organisation.name))
    if proposal.organisation is not None and proposal.organisation_id != organisation.id:
        raise ProposalRuleError(
            _("This proposal was made for %(name)s. Choose that organisation.", name=proposal.organisation.name)
        )
    if organisation.kind.value not in proposal.call.eligible_kinds:
        raise ProposalRuleError(_kind_error(organisation.kind))
    proposal.organisation = organisation
    proposal.applicant_kind = None
    proposal.claim_code_hash = None
    proposal.claimed_at = now
    proposal.claimed_by = user
    _save(proposal, now)
    record(user, "proposals.claimed", proposal, {"organisation_id": organisation.id})
    return proposal


# --- the working copy ------------------------------------------------------------------------


def _ensure_can_edit(actor, proposal, now):
    _ensure_accepting(proposal.call, now)
    if not proposal.can_edit(actor, now):
        raise ProposalRuleError(_("You cannot change this proposal."))


def _audit_save(actor, proposal, step):
    action = "proposals.edited_after_submit" if proposal.status is ProposalStatus.SUBMITTED else "proposals.step_saved"
    record(actor, action, proposal, {"step": step, "version_id": proposal.version_id})


def _apply_basics(proposal, data):
    from pb.districts.models import District

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
    lines = data["lines"]
    if lines:
        problems = budget_problems(proposal.call, sum(amount for _item, amount in lines), data["cofunding_cents"])
        if problems:
            raise ProposalRuleError(*problems)
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


def save_step(actor, proposal, step, data, expected_version, now=None):
    """Save one step of the form into the working copy (the autosave of the multi-step form).

    ``expected_version`` is the version the form was built from: if someone saved in between,
    :class:`ChangedMeanwhile` is raised and nothing is saved.
    """
    now = now or clock()
    _ensure_can_edit(actor, proposal, now)
    _ensure_version(proposal, expected_version)
    with db.session.no_autoflush:  # the first write must be the versioned one in _save
        _APPLY[step](proposal, data)
    if proposal.status is ProposalStatus.SUBMITTED:
        proposal.has_unsent_changes = True
    _save(proposal, now)
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
    _save(proposal, now)
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
    _save(proposal, now)
    record(actor, "proposals.attachment_removed", proposal, {"attachment_id": attachment.id})


# --- submit and withdraw ---------------------------------------------------------------------


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
    _ensure_accepting(proposal.call, now)
    if not proposal.can_submit(actor, now):
        if proposal.status is ProposalStatus.SUBMITTED and not proposal.has_unsent_changes:
            raise ProposalRuleError(_("There are no changes to send. The proposal you sent is in force."))
        raise ProposalRuleError(_("You cannot send this proposal."))
    _ensure_version(proposal, expected_version)
    problems = submit_problems(proposal, now)
    if problems:
        raise ProposalRuleError(*problems)
    first = proposal.status is ProposalStatus.DRAFT
    number = len(proposal.versions) + 1
    version = ProposalVersion(number=number, snapshot=snapshot(proposal), submitted_at=now, submitted_by=actor)
    proposal.versions.append(version)
    proposal.status = ProposalStatus.SUBMITTED
    proposal.has_unsent_changes = False
    if first:
        proposal.submitted_at = now
    _save(proposal, now)
    record(
        actor,
        "proposals.submitted" if first else "proposals.resubmitted",
        proposal,
        {"version": number, "requested_cents": proposal.requested_cents, "channel": proposal.channel.value},
    )
    _after_commit_job("send_submission_receipt", proposal.id, number, job_id=f"proposals-receipt-{proposal.id}-v{number}")
    return version


def withdraw(actor, proposal, now=None):
    now = now or clock()
    if not proposal.can_withdraw(actor, now):
        raise ProposalRuleError(_("This proposal can no longer be withdrawn."))
    previous = proposal.status
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = now
    _save(proposal, now)
    record(actor, "proposals.withdrawn", proposal, {"from": previous.value})


def _after_commit_job(name, *ids, job_id):
    from pb.jobs import enqueue
    from pb.proposals import jobs

    func = getattr(jobs, name)
    after_commit(lambda: enqueue(func, *ids, job_id=job_id))


# --- co-applicants ---------------------------------------------------------------------------


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=COAPPLICANT_SALT)


def coapplicant_token(row):
    return _serializer().dumps({"coapplicant": row.id, "email": row.email})


def coapplicant_from_token(token):
    try:
        payload = _serializer().loads(token, max_age=COAPPLICANT_MAX_AGE)
    except SignatureExpired:
        raise CoApplicantLinkError(
            _("This invitation link is more than 14 days old. Ask the applicant to invite you again."), expired=True
        ) from None
    except BadSignature:
        raise CoApplicantLinkError(_("This invitation link is not valid. Check that you copied the whole link.")) from None
    row = db.session.get(CoApplicant, payload.get("coapplicant")) if isinstance(payload, dict) else None
    if row is None or row.email != payload.get("email"):
        raise CoApplicantLinkError(_("This invitation no longer exists. Ask the applicant to invite you again."))
    return row


def invite_coapplicant(actor, proposal, email, right, partner_name=""):
    """Invite a person of a partner organisation; an open invitation to the same address is updated and sent again."""
    if not proposal.can_manage_coapplicants(actor):
        raise ProposalRuleError(_("You cannot invite co-applicants to this proposal."))
    email = email.strip().lower()
    if any(row.is_active and row.email == email for row in proposal.coapplicants):
        raise ProposalRuleError(_("%(email)s is already a co-applicant.", email=email))
    row = next((row for row in proposal.coapplicants if row.is_open and row.email == email), None)
    sent_again = row is not None
    if row is None:
        row = CoApplicant(email=email, invited_by=actor)
        proposal.coapplicants.append(row)
    row.right = right
    row.partner_name = partner_name
    db.session.flush()
    record(
        actor, "proposals.coapplicant_invited", proposal,
        {"coapplicant_id": row.id, "right": right.value, "sent_again": sent_again},
    )
    _mail_invitation(actor, row)
    return row, sent_again


def _mail_invitation(actor, row):
    proposal = row.proposal
    send_invitation_mail(
        row.email,
        lambda: _("Invitation to a funding proposal: %(title)s", title=proposal.display_title),
        lambda: _(
            "%(person)s has invited you to the proposal \"%(title)s\" of %(applicant)s. You %(right)s.",
            person=actor.display_name,
            title=proposal.display_title,
            applicant=proposal.applicant_display_name,
            right=str(row.right.label).lower(),
        ),
        lambda: external_url("proposals.show_coapplicant_invitation", token=coapplicant_token(row)),
        lambda: _("The link works for 14 days. If you do not want to take part, you can ignore this message."),
    )


def coapplicant_problem(row, user):
    """Why ``user`` cannot accept this invitation now, or None."""
    if row.revoked_at is not None:
        return _("This invitation was cancelled.")
    if row.accepted_at is not None:
        if user is not None and user.is_authenticated and row.user_id == user.id:
            return _("You have already accepted this invitation.")
        return _("This invitation has already been used.")
    if row.proposal.status is ProposalStatus.WITHDRAWN:
        return _("The proposal was withdrawn.")
    if user is not None and user.is_authenticated and user.email != row.email:
        return _(
            "This invitation was sent to %(email)s, but you are logged in with another email address. "
            "Log out and log in with the account for %(email)s.",
            email=row.email,
        )
    return None


def accept_coapplicant(user, row, now=None):
    now = now or clock()
    problem = coapplicant_problem(row, user)
    if problem:
        raise ProposalRuleError(problem)
    row.user = user
    row.accepted_at = now
    db.session.flush()
    record(user, "proposals.coapplicant_accepted", row.proposal, {"coapplicant_id": row.id, "right": row.right.value})


def revoke_coapplicant(actor, row, now=None):
    if not row.proposal.can_manage_coapplicants(actor):
        raise ProposalRuleError(_("You cannot change the co-applicants of this proposal."))
    if row.revoked_at is not None:
        raise ProposalRuleError(_("This co-applicant was already removed."))
    row.revoked_at = now or clock()
    db.session.flush()
    record(actor, "proposals.coapplicant_removed", row.proposal, {"coapplicant_id": row.id})


# --- screening -------------------------------------------------------------------------------


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
    _save(proposal, now)
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
    _after_commit_job(
        "send_screening_result", proposal.id, job_id=f"proposals-screening-{proposal.id}-{proposal.version_id}"
    )


# --- reminders -------------------------------------------------------------------------------


def due_reminders(now=None):
    """``[(proposal, kind)]``: drafts of open calls closing within 3 days; "1d" once within a day, else "3d"."""
    now = now or clock()
    longest = max(delta for _kind, delta in REMINDERS)
    calls = db.session.execute(
        db.select(FundingCall).where(
            FundingCall.status.in_((CallStatus.PUBLISHED, CallStatus.OPEN)),
            FundingCall.closes_at > now,
            FundingCall.closes_at <= now + longest,
        )
    ).scalars().all()
    due = []
    for call in calls:
        if not call.is_accepting_proposals(now):
            continue
        left = call.closes_at - now
        kind = next(kind for kind, delta in REMINDERS if left <= delta)
        drafts = db.session.execute(
            db.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status == ProposalStatus.DRAFT)
            .order_by(Proposal.id)
        ).scalars().all()
        due.extend((proposal, kind) for proposal in drafts)
    return due


def send_reminders(now=None):
    """Queue every due reminder once per proposal and kind (the job id makes a repeat a no-op).

    Returns how many reminders were queued for the first time.
    """
    from pb.jobs import JobRun, enqueue
    from pb.proposals import jobs

    queued = 0
    for proposal, kind in due_reminders(now):
        job_id = f"proposals-reminder-{proposal.id}-{kind}"
        if db.session.get(JobRun, job_id) is None:
            queued += 1
        enqueue(jobs.send_deadline_reminder, proposal.id, kind, job_id=job_id)
    return queued


# --- reading ---------------------------------------------------------------------------------


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


def assisted_in_progress():
    """Unclaimed assisted proposals, for the staff member's own list."""
    query = (
        db.select(Proposal)
        .where(Proposal.channel == Channel.ASSISTED, Proposal.claim_code_hash.is_not(None))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )
    return db.session.execute(query).scalars().all()


def call_proposals(call, include_drafts=False):
    query = db.select(Proposal).where(Proposal.call_id == call.id).order_by(Proposal.id)
    if not include_drafts:
        query = query.where(Proposal.status != ProposalStatus.DRAFT)
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
    for proposal in call_proposals(call):
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
