"""Background work of voting: moving rounds on at their announced times.

:func:`apply_due_phases` runs every minute on the job worker (``pb.jobs.PERIODIC_JOBS``, through
RQ's scheduler), or from ``flask pb apply-due-phases`` where there is no Redis (run it every
minute from cron). Running it twice at once, or late, is harmless: each round is moved under a
row lock, as far as its timetable says at that moment.
"""

import logging

from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit
from pb.voting.models import BudgetRound
from pb.voting.services import phases

log = logging.getLogger(__name__)


def apply_due_phases(now=None):
    """Move every round whose time has come; returns ``[(round id, phase entered), ...]``.

    One transaction per round: a round that fails is logged and the others still move; the
    failure is raised at the end, so the job shows as failed.
    """
    now = now or utcnow()
    moved, failed = [], []
    for round_id in phases.rounds_to_check():
        budget_round = db.session.get(BudgetRound, round_id)
        try:
            entered = phases.apply_due_phase(budget_round, now)
            commit()
        except Exception:
            db.session.rollback()
            log.exception("round %s: the scheduled phase change failed", round_id)
            failed.append(round_id)
            continue
        moved.extend((round_id, str(phase)) for phase in entered)
    if failed:
        raise RuntimeError(f"scheduled phase change failed for rounds {failed}")
    return moved
