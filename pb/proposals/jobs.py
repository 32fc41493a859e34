"""Mail about proposals, as background jobs (``pb.jobs.enqueue`` after the commit, fixed job ids).

Each job takes ids only, reads the committed rows, writes its mail (which is delivered
when the job commits) and commits. Mail goes to the people who act for the applicant:
the organisation's representatives, and for an assisted proposal the contact address
the group gave to staff. Each person gets it in their own language.
"""

from flask_babel import gettext as _

from pb.extensions import db
from pb.i18n import local_date, local_datetime, localized
from pb.mail import external_url, send_localized_mail
from pb.orgs.models import MemberRole
from pb.proposals.exports import as_text
from pb.proposals.models import Eligibility, Proposal, ProposalStatus, ProposalVersion
from pb.transactions import commit


def recipients(proposal):
    """``[(email, locale)]`` of the people who act for the applicant, each address once."""
    found = {}
    if proposal.organisation is not None:
        for membership in proposal.organisation.memberships:
            user = membership.user
            if membership.role is MemberRole.REPRESENTATIVE and user.is_active and user.email:
                found.setdefault(user.email, user.locale)
    if proposal.applicant_email and proposal.claim_code_hash is not None:
        found.setdefault(proposal.applicant_email, "fi")
    return sorted(found.items())


def _send(proposal, subject, paragraphs):
    """``subject`` and ``paragraphs`` are callables, run in each recipient's language."""
    for email, locale in recipients(proposal):
        send_localized_mail(locale, email, subject, *paragraphs)


def send_submission_receipt(proposal_id, number):
    """"We have received your proposal", with a copy of exactly what was sent in version ``number``."""
    proposal = db.session.get(Proposal, proposal_id)
    version = db.session.execute(
        db.select(ProposalVersion).filter_by(proposal_id=proposal_id, number=number)
    ).scalar_one()
    link = external_url("proposals.show", proposal_id=proposal.id)
    call_title = proposal.call.title

    def when():
        return local_datetime(version.submitted_at)

    _send(
        proposal,
        lambda: _("We received your proposal: %(title)s", title=version.snapshot["title"]),
        (
            lambda: _(
                "Thank you. We received the proposal \"%(title)s\" to the call \"%(call)s\" on %(time)s "
                "(Finnish time). This is version %(number)s.",
                title=version.snapshot["title"],
                call=localized(call_title),
                time=when(),
                number=number,
            ),
            lambda: _(
                "You can change the proposal until the call closes. Each time you send changes, you get a new copy."
            ),
            lambda: _("See the proposal and its status: %(url)s", url=link),
            lambda: _("This is a copy of what you sent:"),
            lambda: as_text(version.snapshot),
        ),
    )
    commit()


def send_deadline_reminder(proposal_id, kind):
    """The call closes in 3 days (``kind`` "3d") or within a day ("1d") and this proposal is still a draft."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.status is not ProposalStatus.DRAFT:
        return  # sent or withdrawn since the reminder was queued
    link = external_url("proposals.preview", proposal_id=proposal.id)
    closes_at = proposal.call.closes_at

    def subject():
        if kind == "1d":
            return _("Less than a day left: your proposal is not sent yet")
        return _("3 days left: your proposal is not sent yet")

    _send(
        proposal,
        subject,
        (
            lambda: _(
                "Your proposal \"%(title)s\" is still a draft. The call closes on %(time)s (Finnish time). "
                "A draft that is not sent is not reviewed.",
                title=proposal.display_title,
                time=local_datetime(closes_at),
            ),
            lambda: _("Check and send the proposal here: %(url)s", url=link),
            lambda: _("If you do not want to apply, you can ignore this message."),
        ),
    )
    commit()


def send_screening_result(proposal_id):
    """The outcome of the eligibility check, with the reason when the proposal is not eligible."""
    proposal = db.session.get(Proposal, proposal_id)
    link = external_url("proposals.show", proposal_id=proposal.id)
    call = proposal.call
    if proposal.eligibility is Eligibility.ELIGIBLE:
        paragraphs = (
            lambda: _(
                "Your proposal \"%(title)s\" follows the rules of the call. Next, the steering group reads it "
                "and gives points.",
                title=proposal.display_title,
            ),
        )
        if call.decision_expected_on is not None:
            paragraphs += (
                lambda: _("The decision is expected on %(date)s.", date=local_date(call.decision_expected_on)),
            )
    else:
        paragraphs = (
            lambda: _(
                "Your proposal \"%(title)s\" does not follow the rules of the call, so it is not reviewed.",
                title=proposal.display_title,
            ),
            lambda: _("Reason: %(reason)s", reason=proposal.ineligibility_reason.label),
        )
        if proposal.screening_note:
            paragraphs += (lambda: proposal.screening_note,)
        paragraphs += (
            lambda: localized(call.correction_text) or _(
                "If you think the check went wrong, ask the staff to check the proposal again and tell them why."
            ),
        )
        deadline = proposal.correction_deadline
        if deadline is not None:
            paragraphs += (lambda: _("Ask for the correction by %(date)s.", date=local_date(deadline)),)
        if proposal.screened_by is not None:
            paragraphs += (
                lambda: _("You can reach the staff member who did the check at %(email)s.",
                          email=proposal.screened_by.email),
            )
    _send(
        proposal,
        lambda: _("The check of your proposal is done"),
        paragraphs + (lambda: _("See the proposal: %(url)s", url=link),),
    )
    commit()
