"""Co-applicants: people of partner organisations invited by a signed mailed link
(:mod:`pb.tokens`, 14 days) to read or edit the proposal."""

from flask_babel import gettext as _

from pb import tokens
from pb.audit.services import record
from pb.auth.invitations import send_invitation_mail
from pb.extensions import db
from pb.mail import external_url
from pb.proposals.models import CoApplicant, ProposalStatus
from pb.proposals.services.common import CoApplicantLinkError, ProposalRuleError, clock
from pb.tokens import Purpose

COAPPLICANT_MAX_AGE = 14 * 24 * 3600


def coapplicant_token(row):
    return tokens.invitation_token(Purpose.COAPPLICANT_INVITATION, row, "coapplicant")


def coapplicant_from_token(token):
    return tokens.invited_row(
        Purpose.COAPPLICANT_INVITATION, token, COAPPLICANT_MAX_AGE, CoApplicant, "coapplicant",
        error=CoApplicantLinkError,
        expired_message=_("This invitation link is more than 14 days old. Ask the applicant to invite you again."),
        gone_message=_("This invitation no longer exists. Ask the applicant to invite you again."),
    )


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
