"""Assisted submission: staff start a proposal for a group met at a pop-up point or on the phone,
and the group's representative later takes it over with a one-time claim code.

The code is shown to staff once and never stored: the row keeps only its keyed hash
(:func:`pb.codes.keyed_hash`), so a copy of the database reveals no usable code.
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.codes import app_key, formatted, keyed_hash, random_code
from pb.extensions import db
from pb.orgs.models import MemberRole, Membership, Organisation, OrganisationKind
from pb.orgs.services import OrganisationRuleError, create_organisation
from pb.proposals.models import Channel, Proposal
from pb.proposals.services.common import ProposalRuleError, clock, ensure_accepting, kind_error, save_versioned

CLAIM_CODE_LENGTH = 12  # shown as three groups of four: ABCD-EFGH-JKMN
CLAIM_PURPOSE = "pb.proposals.claim"


class WrongClaimCode(ProposalRuleError):
    """A claim code that matches no proposal; repeated ones are throttled like wrong passwords."""


def _new_claim_code():
    return formatted(random_code(CLAIM_CODE_LENGTH))


def _claim_hash(code):
    return keyed_hash(app_key(), CLAIM_PURPOSE, code)


def create_assisted(staff, call, applicant, title, organisation=None, now=None):
    """Staff start a proposal for a group met at a pop-up point or on the phone.

    ``applicant`` has ``name``, ``email`` and ``phone`` as the group told them. Returns
    ``(proposal, claim_code)``: the code is shown to staff once, to give to the group.
    """
    now = now or clock()
    ensure_accepting(call, now)
    kind = organisation.kind if organisation is not None else applicant["kind"]
    if kind.value not in call.eligible_kinds:
        raise ProposalRuleError(kind_error(kind))
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


def renew_claim_code(staff, proposal, now=None):
    """A new claim code when the group lost the first one; the old one stops working."""
    if not proposal.is_unclaimed_assisted:
        raise ProposalRuleError(_("This proposal has already been taken over by the group."))
    code = _new_claim_code()
    proposal.claim_code_hash = _claim_hash(code)
    save_versioned(proposal, now or clock())
    record(staff, "proposals.claim_code_renewed", proposal)
    return code


def proposal_for_claim_code(code):
    if not code:
        return None
    return db.session.execute(
        db.select(Proposal).where(Proposal.claim_code_hash == _claim_hash(code))
    ).scalar_one_or_none()


def claim(user, code, organisation, now=None, business_id=None):
    """The group's representative takes over an assisted proposal with its one-time code.

    ``organisation`` None registers the group here as staff wrote it down (its name and kind, and
    ``business_id`` for a registered association), with ``user`` as its representative.
    """
    now = now or clock()
    proposal = proposal_for_claim_code(code)
    if proposal is None:
        raise WrongClaimCode(
            _("This code does not match any proposal. Check the code, or ask the staff for a new one.")
        )
    if organisation is None:
        organisation = _register_claiming_group(user, proposal, business_id)
    membership = organisation.membership_of(user)
    if membership is None or membership.role is not MemberRole.REPRESENTATIVE:
        raise ProposalRuleError(_("Only a representative of %(name)s can take it over.", name=organisation.name))
    if proposal.organisation is not None and proposal.organisation_id != organisation.id:
        raise ProposalRuleError(
            _("This proposal was made for %(name)s. Choose that organisation.", name=proposal.organisation.name)
        )
    if organisation.kind.value not in proposal.call.eligible_kinds:
        raise ProposalRuleError(kind_error(organisation.kind))
    proposal.organisation = organisation
    proposal.applicant_kind = None
    proposal.claim_code_hash = None
    proposal.claimed_at = now
    proposal.claimed_by = user
    save_versioned(proposal, now)
    record(user, "proposals.claimed", proposal, {"organisation_id": organisation.id})
    return proposal


def _register_claiming_group(user, proposal, business_id):
    """The group as staff wrote it down (name and kind) becomes an organisation here, ``user`` its representative."""
    if proposal.organisation is not None:
        raise ProposalRuleError(
            _("This proposal was made for %(name)s. Choose that organisation.", name=proposal.organisation.name)
        )
    kind = proposal.applicant_kind
    if kind is OrganisationKind.NGO and not business_id:
        raise ProposalRuleError(
            _("Staff wrote that %(name)s is a registered association: write its business ID (Y-tunnus).",
              name=proposal.applicant_name)
        )
    profile = {"name": proposal.applicant_name, "business_id": business_id if kind is OrganisationKind.NGO else None}
    try:
        return create_organisation(user, kind, profile)
    except OrganisationRuleError as error:
        raise ProposalRuleError(*error.messages) from None


def assisted_in_progress():
    """Unclaimed assisted proposals, for the staff member's own list."""
    query = (
        db.select(Proposal)
        .where(Proposal.channel == Channel.ASSISTED, Proposal.claim_code_hash.is_not(None))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )
    return db.session.execute(query).scalars().all()


def assisted_organisations(call):
    """Registered organisations staff may start an assisted proposal for: those whose kind may apply to ``call``."""
    organisations = db.session.execute(
        db.select(Organisation).order_by(db.func.lower(Organisation.name), Organisation.id)
    ).scalars().all()
    return [organisation for organisation in organisations if organisation.kind.value in call.eligible_kinds]


def represented_organisations(user):
    """The organisations ``user`` represents (a claimed proposal becomes one of theirs), by name."""
    memberships = db.session.execute(
        db.select(Membership).filter_by(user_id=user.id, role=MemberRole.REPRESENTATIVE)
    ).scalars().all()
    return sorted((m.organisation for m in memberships), key=lambda organisation: organisation.name.lower())
