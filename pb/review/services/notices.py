"""Telling the applicant: the decision, its reasons and conditions, and how to ask for a review
(the call's appeal text in the applicant's language), by mail and on the proposal page."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.mail import external_url, send_localized_mail
from pb.money import money
from pb.proposals import services as proposals
from pb.proposals.jobs import recipients
from pb.proposals.models import DecisionOutcome


def notify(actor, item, now):
    """Publish the decision on the proposal and mail it to the applicant (once)."""
    if item.notified_at is not None:
        return
    proposal = item.proposal
    outcome = item.final_outcome
    if outcome is DecisionOutcome.RETURNED:
        proposals.return_for_information(actor, proposal, item.reasons, now)
    else:
        proposals.publish_decision(
            actor, proposal, outcome, item.final_amount_cents, item.final_reasons, item.conditions, now
        )
    item.notified_at = now
    for email, locale in recipients(proposal):
        _mail(locale, email, proposal, item, outcome)
    record(actor, "review.applicant_notified", proposal, {"decision_id": item.id, "outcome": outcome.value})


def _mail(locale, email, proposal, item, outcome):
    appeal = proposal.call.appeal_text or {}

    def appeal_text():
        return appeal.get(locale) or appeal.get("fi") or _(
            "Ask the staff through the help page how to ask for a review of the decision."
        )

    paragraphs = [
        lambda: _("Decision on your proposal \"%(title)s\": %(outcome)s.", title=proposal.title, outcome=outcome.label),
    ]
    if item.final_amount_cents is not None:
        paragraphs.append(lambda: _("Amount granted: %(amount)s.", amount=money(item.final_amount_cents)))
    if outcome is DecisionOutcome.RETURNED:
        paragraphs.append(lambda: _("The steering group asks for more information:"))
        paragraphs.append(lambda: item.reasons)
        paragraphs.append(lambda: _("Change the proposal and send it again. The steering group then looks at it again."))
    else:
        paragraphs.append(lambda: _("Reasons:"))
        paragraphs.append(lambda: item.final_reasons)
        if item.conditions and outcome.is_funded:
            paragraphs.append(lambda: _("Conditions:"))
            paragraphs.append(lambda: item.conditions)
        paragraphs.append(lambda: _("How to ask for a review of the decision:"))
        paragraphs.append(appeal_text)
    paragraphs.append(lambda: _("You can read the decision here:"))
    paragraphs.append(lambda: external_url("proposals.show", proposal_id=proposal.id))
    send_localized_mail(locale, email, lambda: _("Decision on your proposal"), *paragraphs)
