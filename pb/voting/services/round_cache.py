"""The frozen set-up of a round in voting, kept per process for the voter's pages.

Every request of a voter's visit (code page, code, voting page, ballot, cast, receipt) needs the
round, its budgets, their districts and projects. Once the set-up is frozen (voting has started)
none of these can change (``pb.voting.services.rounds`` refuses it), so each process loads them
once and keeps them, detached from any session. What can still change (the phase, the closing time,
an early close or a reopening, a district's name) is read in one small query, the *stamp*; a stamp
that differs from the kept one loads the round again. The pages a voter reads check the stamp at
most every ``VOTING_ROUND_RECHECK_SECONDS`` (a page may show an early close that much later; the
closing time itself is compared with the clock on every request); a ballot being cast always
checks it (``fresh=True``). A round not yet frozen is never kept: its pages load it as before.
"""

import threading
import time

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from pb.districts.models import District
from pb.extensions import db
from pb.voting.models import BudgetRound, RoundBudget

# Everything of the round row that may change after freezing (the districts' last change and count are added).
_STAMP_COLUMNS = (
    BudgetRound.updated_at,
    BudgetRound.phase,
    BudgetRound.frozen_at,
    BudgetRound.voting_closes_at,
    BudgetRound.key_salt,
)
# (engine url, round id) -> (stamp, detached BudgetRound, monotonic time the stamp was read, all districts)
_kept = {}
_lock = threading.Lock()


_STAMP = select(
    *_STAMP_COLUMNS,
    select(func.max(District.updated_at)).scalar_subquery(),
    select(func.count(District.id)).scalar_subquery(),
).where(BudgetRound.id == bindparam("round_id"))  # built once: building it cost more than running it


def _stamp(round_id):
    row = db.session.connection().execute(_STAMP, {"round_id": round_id}).first()  # Core: no ORM work
    return None if row is None else tuple(row)


def voting_round(round_id, fresh=False):
    """The round with its budgets, districts and projects loaded; None if there is no such round.

    A frozen round comes from this process's copy (detached: read it, never change it or add it
    to a session); any other round is loaded into the request's session as usual. ``fresh``: check
    the stamp now, whenever it was last read (before a ballot is stored).
    """
    key = (str(db.engine.url), round_id)
    kept = _kept.get(key)
    recheck = current_app.config["VOTING_ROUND_RECHECK_SECONDS"]
    if kept is not None and not fresh and time.monotonic() - kept[2] < recheck:
        return kept[1]
    stamp = _stamp(round_id)
    if stamp is None:
        return None
    frozen_at = stamp[2]
    if frozen_at is None:
        return db.session.get(BudgetRound, round_id, options=_full_set_up())
    budget_round, districts = kept[1::2] if kept is not None and kept[0] == stamp else _load_detached(round_id)
    with _lock:
        _kept[key] = (stamp, budget_round, time.monotonic(), districts)
    return budget_round


def voting_districts(budget_round):
    """Every district (the code page's choice of home district): kept with a frozen round, else read."""
    kept = _kept.get((str(db.engine.url), budget_round.id))
    if kept is not None and kept[1] is budget_round:
        return kept[3]
    return db.session.execute(select(District)).scalars().all()


def forget_rounds():
    """Drop every kept round (tests that rebuild the database between cases)."""
    with _lock:
        _kept.clear()


def _full_set_up():
    budgets = joinedload(BudgetRound.budgets)
    return [budgets.joinedload(RoundBudget.district), budgets.selectinload(RoundBudget.projects)]


def _load_detached(round_id):
    """The round and every district, loaded in a session of their own (so that no object of the
    request's session is detached here)."""
    with Session(db.engine, expire_on_commit=False) as session:
        budget_round = session.get(BudgetRound, round_id, options=_full_set_up())
        # Resolve every relationship the voter's pages read while a session can still answer it
        # (from its identity map, without a query); a detached object cannot load anything later.
        for budget in budget_round.budgets:
            _resolved = (budget.round, budget.district, [project.budget for project in budget.projects])
        districts = tuple(session.execute(select(District)).scalars())
        session.expunge_all()
    return budget_round, districts

