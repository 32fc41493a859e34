"""Staff reports of a round: refused ballots (from the audit log) and ballots by budget and channel."""

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.voting.models import Ballot


def refusals(budget_round, reasons=None):
    """Refused ballots of the round from the audit log (no voter is named there)."""
    query = (
        db.select(AuditEvent)
        .filter_by(action="voting.ballot_refused", subject_type="BudgetRound", subject_id=str(budget_round.id))
        .order_by(AuditEvent.id.desc())
    )
    events = db.session.execute(query).scalars().all()
    return [event for event in events if reasons is None or event.details.get("reason") in reasons]


def ballot_counts(budget_round):
    """{(budget_id, channel): ballots} for the staff overview."""
    query = (
        db.select(Ballot.round_budget_id, Ballot.channel, db.func.count(Ballot.id))
        .where(Ballot.round_id == budget_round.id)
        .group_by(Ballot.round_budget_id, Ballot.channel)
    )
    return {(budget_id, channel): count for budget_id, channel, count in db.session.execute(query)}
