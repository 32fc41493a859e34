"""Phases of a round: moving on by hand (after a confirmation page) or by the schedule; closing and reopening voting.

The schedule (``pb.voting.jobs.apply_due_phases``, every minute on the worker, or the
``flask pb apply-due-phases`` command without Redis) moves a round on when its time has come:

- voting ends at ``voting_closes_at``, or at ``paper_entry_until`` when paper ballots may be
  entered after voters have closed; never while a paper sheet waits for a second entry or a
  third look (staff then close by hand with a reason, or finish the entries);
- the phases before voting start at 00:00 Finnish time on their date in the timetable; a phase
  without a date is moved on by hand; voting never opens by itself while :func:`voting_problems`
  lists a problem, and a draft never moves by itself;
- a round in results stays there until staff move it on: results are published by hand, and
  carrying out the projects starts after that, whatever the timetable's date.

Voting is a lower layer than the tally, so a higher domain says when reopening is no longer
allowed (a published result) through :func:`register_reopen_blocker`.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from flask_babel import gettext as _
from flask_babel import ngettext

from pb.audit.services import record
from pb.extensions import db
from pb.forms import HELSINKI
from pb.models_base import utcnow
from pb.voting.models import BudgetRound, PaperBallot, PaperStatus, RoundPhase
from pb.voting.services.errors import RoundRuleError
from pb.voting.services.rounds import lock_round, voting_problems

# The timetable date on which each phase starts by the schedule. Results start when voting closes.
PHASE_START_FIELDS = {
    RoundPhase.CO_DEVELOPMENT: "co_development_start",
    RoundPhase.COST_ESTIMATION: "cost_estimation_start",
    RoundPhase.VOTING: "voting_start",
}
# Phases the schedule never moves a round out of.
MOVED_BY_HAND = (RoundPhase.DRAFT, RoundPhase.RESULTS, RoundPhase.IMPLEMENTATION)
PENDING_PAPER = (PaperStatus.AWAITING_SECOND, PaperStatus.MISMATCH)
REASON_MAX_LENGTH = 2000

_REOPEN_BLOCKERS = {}


def register_reopen_blocker(name, check):
    """``check(budget_round)`` returns a translated reason why voting may not reopen, or None.

    Registered once per ``name`` (importing a module again replaces, never duplicates).
    """
    _REOPEN_BLOCKERS[name] = check


def reopen_blockers(budget_round):
    return [reason for check in _REOPEN_BLOCKERS.values() if (reason := check(budget_round))]


def pending_paper(budget_round):
    """How many paper sheets wait for a second entry or a third look."""
    query = db.select(db.func.count(PaperBallot.id)).where(
        PaperBallot.round_id == budget_round.id, PaperBallot.status.in_(PENDING_PAPER)
    )
    return db.session.execute(query).scalar_one()


def pending_paper_message(count):
    return ngettext(
        "%(num)d paper ballot waits for a second entry or a third look.",
        "%(num)d paper ballots wait for a second entry or a third look.",
        count,
    )


def start_of_day(day):
    """00:00 Finnish time on ``day``, in UTC."""
    return datetime.combine(day, time(0), HELSINKI).astimezone(UTC)


@dataclass
class ScheduledChange:
    """What the schedule does next with a round: ``target`` at ``at``; ``waiting`` says why it has not."""

    target: RoundPhase | None = None
    at: datetime | None = None
    waiting: list = field(default_factory=list)

    def is_due(self, now):
        return self.target is not None and self.at is not None and now >= self.at and not self.waiting


def scheduled_change(budget_round, now=None):
    now = now or utcnow()
    phase = budget_round.phase
    if phase in MOVED_BY_HAND:
        return ScheduledChange()
    if phase is RoundPhase.VOTING:
        at = budget_round.phase_ends_at
        if at is None:
            return ScheduledChange()
        waiting = []
        if now >= at:
            count = pending_paper(budget_round)
            if count:
                waiting.append(pending_paper_message(count))
        return ScheduledChange(RoundPhase.RESULTS, at, waiting)
    target = phase.next
    day = getattr(budget_round, PHASE_START_FIELDS[target]) if target in PHASE_START_FIELDS else None
    if day is None:
        return ScheduledChange()
    at = start_of_day(day)
    waiting = voting_problems(budget_round, now) if target is RoundPhase.VOTING and now >= at else []
    return ScheduledChange(target, at, waiting)


def rounds_to_check():
    """Ids of the rounds the schedule may move: from collecting ideas to voting."""
    query = db.select(BudgetRound.id).where(BudgetRound.phase.not_in(MOVED_BY_HAND)).order_by(BudgetRound.id)
    return db.session.execute(query).scalars().all()


def apply_due_phase(budget_round, now=None):
    """Move the round on as far as its timetable says (each step audited as done by the schedule).

    Returns the phases entered, in order. Reads the round under a row lock, so two workers
    running the schedule at once move it once.
    """
    now = now or utcnow()
    entered = []
    lock_round(budget_round)
    while (change := scheduled_change(budget_round, now)).is_due(now):
        _enter(None, budget_round, change.target, now, {"by": "schedule", "due_at": change.at.isoformat()})
        entered.append(change.target)
    return entered


def _enter(actor, budget_round, target, now, details=None):
    if target is RoundPhase.VOTING:
        problems = voting_problems(budget_round, now)
        if problems:
            raise RoundRuleError(*problems)
        budget_round.frozen_at = budget_round.frozen_at or now
    budget_round.phase = target
    db.session.flush()
    record(actor, "voting.phase_changed", budget_round, {"phase": str(target), **(details or {})})


def advance_phase(actor, budget_round, now=None):
    """Move the round to its next phase by hand. Opening voting freezes the ballot.

    A round in voting is closed with :func:`close_voting`, which asks for the reasons it needs.
    """
    now = now or utcnow()
    lock_round(budget_round)
    target = budget_round.phase.next
    if target is None:
        raise RoundRuleError(_("The round is already in its last phase."))
    if budget_round.phase is RoundPhase.VOTING:
        return close_voting(actor, budget_round, now=now)
    _enter(actor, budget_round, target, now, {"by": "staff"})
    return target


def closes_early(budget_round, now=None):
    """Closing now would end voting before the announced time."""
    now = now or utcnow()
    return budget_round.voting_closes_at is not None and budget_round.voting_closes_at > now


def _clean(text):
    return (text or "").strip()


def close_voting(actor, budget_round, *, reason=None, paper_reason=None, now=None):
    """End voting now and move the round to results.

    Before the announced time this needs ``reason``, shown on the public page with the time;
    while paper ballots wait for an entry it needs ``paper_reason`` (kept in the audit log).
    """
    now = now or utcnow()
    lock_round(budget_round)
    if budget_round.phase is not RoundPhase.VOTING:
        raise RoundRuleError(_("The round is not in the voting phase, so voting cannot be closed."))
    reason, paper_reason = _clean(reason), _clean(paper_reason)
    early = closes_early(budget_round, now)
    pending = pending_paper(budget_round)
    problems = []
    if early and not reason:
        problems.append(_("Write why voting closes before the announced time. The reason is shown on the public page of the round."))
    if pending and not paper_reason:
        problems.append(
            pending_paper_message(pending) + " "
            + _("Finish the entries first, or write why voting closes while they wait.")
        )
    if len(reason) > REASON_MAX_LENGTH or len(paper_reason) > REASON_MAX_LENGTH:
        problems.append(_("Write the reason in at most %(max)s characters.", max=REASON_MAX_LENGTH))
    if problems:
        raise RoundRuleError(*problems)
    details = {"by": "staff"}
    if early:
        details.update(early=True, announced_closes_at=budget_round.voting_closes_at.isoformat(), reason=reason)
        budget_round.announced_closes_at = budget_round.voting_closes_at
        budget_round.voting_closes_at = now
        budget_round.closed_early_at = now
        budget_round.closed_early_reason = reason
    if pending:
        details.update(paper_pending=pending, paper_reason=paper_reason)
    _enter(actor, budget_round, RoundPhase.RESULTS, now, details)
    return RoundPhase.RESULTS


def can_reopen(budget_round):
    return budget_round.phase is RoundPhase.RESULTS and budget_round.is_frozen


def reopen_voting(actor, budget_round, *, closes_at, reason, now=None):
    """Open voting again until ``closes_at`` (the undo of closing), with a public ``reason``.

    Only from results, and refused once any budget of the round has a published result.
    """
    now = now or utcnow()
    lock_round(budget_round)
    if not can_reopen(budget_round):
        raise RoundRuleError(_("Only a round whose voting has closed and that shows results can be reopened."))
    blockers = reopen_blockers(budget_round)
    if blockers:
        raise RoundRuleError(*blockers)
    reason = _clean(reason)
    problems = []
    if closes_at is None or closes_at <= now:
        problems.append(_("Give a new closing time in the future."))
    if not reason:
        problems.append(_("Write why voting opens again. The reason is shown on the public page of the round."))
    elif len(reason) > REASON_MAX_LENGTH:
        problems.append(_("Write the reason in at most %(max)s characters.", max=REASON_MAX_LENGTH))
    if problems:
        raise RoundRuleError(*problems)
    previous = budget_round.voting_closes_at
    budget_round.voting_closes_at = closes_at
    if budget_round.paper_entry_until is not None and budget_round.paper_entry_until < closes_at:
        budget_round.paper_entry_until = None
    budget_round.reopened_at = now
    budget_round.reopen_reason = reason
    budget_round.phase = RoundPhase.VOTING
    db.session.flush()
    record(actor, "voting.voting_reopened", budget_round, {
        "closes_at": closes_at.isoformat(), "previous_closes_at": previous.isoformat() if previous else None,
        "reason": reason,
    })
    return budget_round
