"""The two errors of voting services, and refusing a ballot on the record.

A staff change the rules do not allow raises :class:`RoundRuleError`. A ballot that is
refused raises :class:`VotingRefused` *after* recording the attempt in the audit log and
*before* writing anything else, so the view commits the audit row and nothing of the ballot.
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.errors import DomainError


class RoundRuleError(DomainError):
    """A staff change the rules do not allow; the messages are translated sentences.

    ``field`` names the form field the message is about, so the page shows it next to that field.
    """

    def __init__(self, *messages, status=None, field=None):
        super().__init__(*messages, status=status)
        self.field = field


class ProjectCostError(RoundRuleError):
    """A project's cost the budget cannot hold: shown next to the cost field."""

    status = 422

    def __init__(self, *messages):
        super().__init__(*messages, field="cost")


class VotingRefused(DomainError):
    """A ballot (or a step towards one) was refused; ``message`` is translated, ``status`` the HTTP status.

    ``reason`` is the short name the audit log and the staff reports use (e.g. ``code_reused``).
    """

    status = 409

    def __init__(self, reason, message, status=None):
        super().__init__(message, status=status)
        self.reason = reason
        self.message = message


def refuse_ballot(reason, message, budget_round, *, budget=None, channel=None, actor=None, status=None):
    """Record the refused attempt in the audit log (without the ballot's content), then raise.

    ``status`` None keeps :class:`VotingRefused`'s own (409).
    """
    details = {"reason": reason, "round_id": budget_round.id}
    if budget is not None:
        details["budget_id"] = budget.id
    if channel is not None:
        details["channel"] = str(channel)
    record(actor, "voting.ballot_refused", budget_round, details)
    raise VotingRefused(reason, message, status)


def closed_message():
    return _("Voting is not open. A ballot can be given or changed only while voting is open.")
