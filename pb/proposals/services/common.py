"""What every proposal service shares: the clock, the errors, the steps, and the checks and the
versioned save that each change goes through."""

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from pb.calls.models import CallStatus
from pb.errors import DomainError, LinkError
from pb.extensions import db
from pb.jobs import enqueue
from pb.models_base import utcnow
from pb.transactions import after_commit

STEPS = ("basics", "budget", "goals", "attachments", "preview")


def clock():
    """The server's time; the only clock the proposal pages use (tests replace it)."""
    return utcnow()


class ProposalRuleError(DomainError):
    """A change the rules do not allow; ``messages`` are translated sentences for the person."""


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


class CoApplicantLinkError(LinkError):
    """An invitation link that is damaged, too old (``expired``) or no longer applies."""


def kind_error(kind):
    return _("A %(kind)s cannot apply to this call.", kind=str(kind.label).lower())


def closed_message(call, now):
    if call.effective_status(now) in (CallStatus.DRAFT, CallStatus.PUBLISHED):
        return _("The call is not open yet, so proposals cannot be sent.")
    return _("The call has closed, so proposals can no longer be sent or changed. The deadline was set by the call.")


def ensure_accepting(call, now):
    if not call.is_accepting_proposals(now):
        raise ProposalRuleError(closed_message(call, now))


def ensure_open_for(proposal, now):
    """Changes are taken while the call is open, or after the steering group returned the proposal."""
    if not proposal.is_returned:
        ensure_accepting(proposal.call, now)


def ensure_version(proposal, expected_version):
    if str(expected_version) != str(proposal.version_id):
        raise ChangedMeanwhile()


def save_versioned(proposal, now):
    """Write the change with the version check; the row's version grows by one."""
    proposal.updated_at = now  # so the row itself is updated (and its version checked) even if only rows below changed
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile() from None


def enqueue_job_after_commit(name, *ids, job_id):
    """Queue the job ``pb.proposals.jobs.<name>`` once the request's transaction is committed."""
    after_commit(lambda: enqueue(f"pb.proposals.jobs.{name}", *ids, job_id=job_id))
