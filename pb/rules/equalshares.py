"""The Method of Equal Shares (Peters & Skowron), plain and with the ``add1`` completion.

Utilities are cost utilities: a voter who gives project ``j`` ``p`` points (1 for an
approval) gets utility ``p * cost_j`` from it. Every voter starts with the same share of
the budget. In each round, for every project its supporters can still afford, MES finds
the smallest price factor ``rho`` with ``sum_i min(money_i, rho * u_ij) >= cost_j`` and
buys the project with the smallest ``rho``; each supporter pays ``min(money_i, rho * u_ij)``.
A round in which no project is affordable ends the count.

Ties. Two projects whose ``rho`` differ by at most a relative ``1e-9`` count as tied
(the money is floating point; exact arithmetic would call them equal). A tie is broken by
lower cost, then more supporters (voters, counting identical ballots, who give the project
any points), then lower project index (file order). Projects nobody supports are never
bought. Projects of cost 0 that somebody supports cost nobody anything and are bought
first, in the same tie-break order.

Effective vote count. For a bought project, ``effective_votes = 1 / rho``: a supporter
who can pay in full pays ``p * cost / effective_votes``. If all supporters can pay, it is
the number of supporters (the sum of their points); it drops as more of them run short.
This is equalshares.net's "effective vote count". A cost-0 project gets its points total.

Speed. Voters are merged into classes while counting: voters with the same points on the
projects bought so far have paid the same amounts, so they have the same money, and the
count works on (class, project, points) totals instead of voters. The class structure
after ``r`` rounds depends only on the first ``r`` purchases, not on the budget, so
``add1`` keeps it between runs and extends it only from the first purchase that differs.
Each round computes every price factor at once by Newton's method on the (concave,
piecewise-linear) money-raised curve, starting from last round's factor; the bought
project's factor comes from its supporter groups (directly when all of them can pay in
full). See :func:`equal_shares_add1` for how budget steps are skipped. Plain MES, a
single count, skips the classes: it counts ballot by ballot and prices only the projects
that can still be the cheapest (see :func:`_count_by_ballot`).

Why each shortcut is exact, for a reviewer: docs/equal-shares.md.
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass

import numpy as np

__all__ = ["MesResult", "equal_shares", "equal_shares_add1"]

# The loops call ndarray methods (``a.take``, ``a.nonzero()``) rather than their ``np.``
# wrappers, which cost a few microseconds a call; ``take`` along an axis also gives a
# contiguous result, on which the arithmetic that follows runs about twice as fast as on
# the strided one of ``a[:, index]``.

# Prices within this relative distance are tied.
_TOL = 1e-9
# Supporters' money this close below a cost still covers it: float sums of money that is
# exactly the cost must not come out short. Small enough that, with integer costs, the
# shortfalls of a whole count stay far below one minor unit, so step 0 never overspends.
_AFFORD = 1e-12
# add1 follows every one of the next this many steps in a run (see _ladder). With
# _catch_up, a longer ladder mostly costs the rows followed, and it lets each distinct
# outcome be counted once (Warszawa 2026: one run per outcome).
_DENSE = 24
# add1 keeps split shapes (see _Structure._split) holding up to this many numbers in all,
# about 128 MB, and forgets them all when more would be kept (Warszawa 2026 keeps 368
# shapes of about 7 million numbers).
_SPLITS_KEPT_MAX = 16_000_000


@dataclass
class MesResult:
    """The outcome of one count.

    ``selected``: project indices in purchase order. ``rounds``: project -> the 1-based
    round it was bought in. ``effective_votes``: bought project -> ``1 / rho`` when it was
    bought (see the module docstring). ``lacked``: every project not bought that has at
    least one supporter -> (money its supporters had left at the end, its cost).
    ``per_voter_budget``: every voter's starting money in the run that produced this
    outcome. ``spent``: total cost of the selected projects. ``steps``: for ``add1``, the
    index of the budget step at which the loop stopped (see :func:`equal_shares_add1`);
    0 for plain MES.
    """

    selected: list[int]
    rounds: dict[int, int]
    effective_votes: dict[int, float]
    lacked: dict[int, tuple[float, int]]
    per_voter_budget: float
    spent: int
    steps: int


class _Profile:
    """Budget-independent data of an instance: CSR and CSC views, tie-break ranks."""

    def __init__(self, costs, indptr, indices, points, multiplicity):
        costs = np.asarray(costs, dtype=np.int64)
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.intp)
        points = np.asarray(points, dtype=np.int64)
        multiplicity = np.asarray(multiplicity, dtype=np.int64)
        m = len(costs)
        n = len(indptr) - 1
        if n < 0 or len(multiplicity) != n or len(indices) != len(points) or indptr[-1] != len(indices):
            raise ValueError("the ballots are not a CSR profile matching the multiplicities")
        if (costs < 0).any() or (multiplicity < 0).any():
            raise ValueError("costs and multiplicities must not be negative")
        if len(indices) and (indices.min() < 0 or indices.max() >= m):
            raise ValueError("a ballot names a project index outside the projects")
        row = np.repeat(np.arange(n), indptr[1:] - indptr[:-1])
        # Entries with no points and ballots cast by nobody change nothing: drop them.
        keep_row = multiplicity > 0
        keep = (points > 0) & keep_row[row]
        if keep.all() and keep_row.all():
            self.row_ptr = indptr
        else:
            row = (np.cumsum(keep_row) - 1)[row[keep]]
            indices, points = indices[keep], points[keep]
            self.row_ptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=int(keep_row.sum())))))
        self.n = len(self.row_ptr) - 1
        self.m = m
        self.mult = multiplicity[keep_row]
        self.voters = int(self.mult.sum())
        self.row_proj = indices
        top = int(points.max()) if len(points) else 1
        if len(points) and points.min() == top:  # approval: one value, no numbering needed
            pvals, pidx = points[:1], np.zeros(len(points), dtype=np.intp)
        elif top < 1 << 16:
            # Few small point values (ranks, cumulative points): numbered through a table.
            pvals = np.bincount(points, minlength=top + 1).nonzero()[0]
            number = np.zeros(top + 1, dtype=np.intp)
            number[pvals] = np.arange(len(pvals))
            pidx = number[points]
        else:
            pvals, pidx = np.unique(points, return_inverse=True)
        self.pvals = pvals.astype(np.float64)
        self.n_points = max(len(pvals), 1)
        self.row_pidx = pidx
        self.row_voter = row
        # The same entries by project; ``col_pos``: each one's place in the ballots.
        # A stable sort of 16-bit integers is a radix sort, several times faster.
        self.col_pos = np.argsort(indices.astype(np.uint16) if m <= 1 << 16 else indices, kind="stable")
        per_project = np.bincount(indices, minlength=m)
        self.col_ptr = np.concatenate(([0], np.cumsum(per_project)))
        self.col_proj = np.repeat(np.arange(m), per_project)
        self.col_voter = row[self.col_pos]
        self.col_pidx = pidx[self.col_pos]
        self.costs = costs
        self.fcosts = costs.astype(np.float64)
        weight = np.repeat(self.mult, self.row_ptr[1:] - self.row_ptr[:-1])
        self.support = np.bincount(indices, weights=weight, minlength=m).astype(np.int64)
        self.support_points = np.bincount(indices, weights=weight * points, minlength=m)
        # Whether every sum of utilities (voters x points x cost) over a project's
        # supporters is a whole number below 2**53, so exact in floating point whatever
        # the order of summing; with costs up to 10**15 minor units it need not be.
        self.exact_utility = float((self.support_points * self.fcosts).max(initial=0.0)) < 2.0**53
        order = np.lexsort((np.arange(m), -self.support, costs))
        self.rank = np.empty(m, dtype=np.int64)
        self.rank[order] = np.arange(m)
        supported = self.support > 0
        free = supported & (costs == 0)
        self.free = [int(j) for j in order if free[j]]
        self.priced = supported & (costs > 0)


class _Grouper:
    """Groups whole non-negative keys: a call gives the distinct keys in increasing order,
    each input's group and each group's summed weight.

    Counting sort on scratch arrays kept between calls: the keys are marked, the span they
    cover is scanned once for the marks, and the marks are cleared again, so no array as
    long as that span is allocated or zeroed (the span is the structure's whole range of
    entries, many times the keys grouped). The weights are whole numbers, so their sums
    are exact in any order.
    """

    def __init__(self):
        self.mark = np.zeros(0, dtype=bool)
        self.number = np.zeros(0, dtype=np.intp)

    def __call__(self, keys: np.ndarray, weights: np.ndarray):
        if not len(keys):
            return keys, keys, np.zeros(0)
        low, high = int(keys.min()), int(keys.max()) + 1
        if high > len(self.mark):
            self.mark = np.zeros(2 * high, dtype=bool)
            self.number = np.empty(2 * high, dtype=np.intp)
        self.mark[keys] = True
        present = self.mark[low:high].nonzero()[0]
        present += low
        self.mark[present] = False
        self.number[present] = np.arange(len(present))
        group = self.number[keys]
        return present, group, np.bincount(group, weights=weights, minlength=len(present))

    def group_of(self, keys: np.ndarray) -> np.ndarray:
        """The groups of ``keys``, each one of the last call's keys (a lookup, not a search)."""
        return self.number[keys]


class _Level:
    """The class structure before a round.

    ``ncls``: number of classes so far; entries ``< id_end`` of :class:`_Structure` exist.
    For a level reached by buying ``s``: the classes numbered from ``first_new`` on were
    split off class ``parent`` by the ``gw`` supporters of ``s`` who get the same utility
    ``eu`` from it (their points on it times its cost). Their entries are
    ``id_start <= e < id_end``; the same voters leave entries ``moved_from`` (one per new
    entry). ``undo`` restores the structure's voter classes and entry ids of the level before.
    """

    __slots__ = (
        "ncls",
        "first_new",
        "parent",
        "gw",
        "id_start",
        "id_end",
        "moved_from",
        "eu",
        "undo",
    )


class _Structure:
    """The class structures along one purchase sequence, kept for reuse between runs.

    Entry ``e`` stands for ``w0[e]`` voters of class ``ek[e]`` who give open project
    ``ej[e]`` the same points (utility ``eu[e]``), counted when the class was made; later
    levels move voters off it. ``vcls`` (every voter's class) and ``eid`` (for every ballot
    entry of a project not bought yet, the entry it counts in; -1 for a project never open)
    describe the deepest level kept; a level's ``undo`` steps back to the one before.
    ``splits``: the :class:`_SplitShape` of each (set bought before, purchase) met so far.
    """

    def __init__(self, prof: _Profile, relevant: np.ndarray):
        self.prof = prof
        self.open0 = relevant & prof.priced
        np_ = prof.n_points
        row_ok = self.open0[prof.row_proj]
        # Classes and entries are grouped apart: a split looks the new classes up after
        # grouping the entries.
        self.group_classes, self.group_entries = _Grouper(), _Grouper()
        keys, inv, weights = self.group_entries(
            prof.row_proj[row_ok] * np_ + prof.row_pidx[row_ok],
            prof.mult[prof.row_voter[row_ok]].astype(np.float64),
        )
        self.size = 0
        cap = max(len(keys), 16)
        self.ek = np.zeros(cap, dtype=np.intp)
        self.ej = np.zeros(cap, dtype=np.intp)
        self.eu = np.zeros(cap)
        self.w0 = np.zeros(cap)
        j = keys // np_
        self._append(
            np.zeros(len(keys), dtype=np.intp),
            j,
            prof.pvals[keys % np_] * prof.fcosts[j],
            weights,
        )
        self.vcls = np.zeros(prof.n, dtype=np.intp)
        self.eid = np.full(len(prof.row_proj), -1, dtype=np.intp)
        self.eid[row_ok] = inv
        level = _Level()
        level.ncls = 1
        level.first_new = 1
        level.id_start = 0
        level.id_end = self.size
        self.levels = [level]
        self.seq: list[int] = []
        self.supporters: dict[int, tuple] = {}
        self.splits: dict[tuple, _SplitShape] = {}
        self.split_size = 0

    def _append(self, k: np.ndarray, j: np.ndarray, utility: np.ndarray, weights: np.ndarray) -> None:
        end = self.size + len(k)
        if end > len(self.ek):
            cap = max(end, 2 * len(self.ek))
            for name in ("ek", "ej", "eu", "w0"):
                old = getattr(self, name)
                new = np.zeros(cap, dtype=old.dtype)
                new[: self.size] = old[: self.size]
                setattr(self, name, new)
        part = slice(self.size, end)
        self.ek[part] = k
        self.ej[part] = j
        self.eu[part] = utility
        self.w0[part] = weights
        self.size = end

    def after(self, r: int, s: int) -> _Level:
        """The level after round ``r`` (0-based) buys ``s``; built if not kept."""
        if len(self.seq) > r and self.seq[r] == s:
            return self.levels[r + 1]
        self.cut(r)
        self.seq.append(s)
        self.levels.append(self._split(self.levels[r], s))
        return self.levels[r + 1]

    def cut(self, r: int) -> None:
        """Drop the levels after level ``r``, so that ``vcls`` and ``eid`` describe it."""
        while len(self.levels) > r + 1:
            for array, where, was in reversed(self.levels.pop().undo):
                array[where] = was
        del self.seq[r:]
        self.size = self.levels[r].id_end

    def _supporters(self, s: int) -> _Supporters:
        """The supporters of ``s`` and their ballot entries for other projects in the
        structure, as a split by ``s`` needs them (the same in every split by ``s``)."""
        got = self.supporters.get(s)
        if got is None:
            prof = self.prof
            a, z = prof.col_ptr[s], prof.col_ptr[s + 1]
            voters = prof.col_voter[a:z]
            starts = prof.row_ptr[voters]
            lens = prof.row_ptr[voters + 1] - starts
            owner = np.repeat(np.arange(len(voters)), lens)
            pos = np.arange(len(owner)) - np.repeat(np.cumsum(lens) - lens, lens) + starts[owner]
            # Entries for s itself, or for a project never open, never move.
            proj = prof.row_proj[pos]
            keep = self.open0[proj] & (proj != s)
            pos, owner = pos[keep], owner[keep]
            vweight = prof.mult[voters].astype(np.float64)
            vpidx = prof.col_pidx[a:z]
            got = _Supporters(voters, vpidx, vweight, pos, proj[keep], vpidx[owner], vweight[owner])
            self.supporters[s] = got
        return got

    def _split(self, lv: _Level, s: int) -> _Level:
        voters = self._supporters(s).rows
        old = self.vcls.take(voters)
        undo = [(self.vcls, voters, old)]
        # Which voters and entries a split groups together depends only on the set bought
        # before, not on its order, which numbers the classes and entries: a set reached
        # again in another order reuses the grouping and reads the numbers off it.
        key = (frozenset(self.seq[:-1]), s)
        shape = self.splits.get(key)
        if shape is None:
            shape, was = self._shape(s, old)
            self.split_size += shape.size()
            if self.split_size > _SPLITS_KEPT_MAX:
                self.splits.clear()
                self.split_size = shape.size()
            self.splits[key] = shape
        else:
            was = self.eid.take(shape.pos)
        self.vcls[voters] = lv.ncls + shape.group
        nxt = _Level()
        nxt.parent = old.take(shape.group_voter)
        nxt.eu = shape.eu
        nxt.gw = shape.gw
        nxt.first_new = lv.ncls
        nxt.ncls = lv.ncls + len(shape.gw)
        nxt.moved_from = was.take(shape.entry_pos)
        nxt.id_start = self.size
        undo.append((self.eid, shape.pos, was))
        self.eid[shape.pos] = self.size + shape.entry
        self._append(lv.ncls + shape.entry_class, shape.ej, shape.eu_entries, shape.weights)
        nxt.id_end = self.size
        nxt.undo = undo
        return nxt

    def _shape(self, s: int, old: np.ndarray) -> tuple[_SplitShape, np.ndarray]:
        """How buying ``s`` splits the current level, whose classes the supporters of ``s``
        are in ``old``: the supporters of ``s`` leave their class for a new one per (old
        class, points on ``s``), and their entries for the projects not bought yet move
        with them. Also returns the entries those ballot entries count in now."""
        np_ = self.prof.n_points
        sup = self._supporters(s)
        shape = _SplitShape()
        gkeys, shape.group, shape.gw = self.group_classes(old * np_ + sup.points if np_ > 1 else old, sup.weight)
        shape.group_voter = _some_member(shape.group, len(gkeys))
        # Each new class's utility from s: what its voters pay per unit of price factor.
        if np_ > 1:
            shape.eu = self.prof.pvals[gkeys % np_] * self.prof.fcosts[s]
        else:
            shape.eu = np.full(len(gkeys), self.prof.pvals[0] * self.prof.fcosts[s])
        bought = np.zeros(self.prof.m, dtype=bool)
        bought[self.seq[:-1]] = True
        ok = (~bought.take(sup.entry_project)).nonzero()[0]
        shape.pos = sup.entry_pos[ok]
        was = self.eid.take(shape.pos)
        # A new entry is an old entry (class, project, points) taken by the voters of one
        # new class: keyed by (old entry, points on s).
        if np_ == 1:
            moved_from, inv, weights = self.group_entries(was, sup.entry_weight[ok])
            new_class = self.group_classes.group_of(self.ek[moved_from])
        else:
            keys, inv, weights = self.group_entries(was * np_ + sup.entry_points[ok], sup.entry_weight[ok])
            moved_from = keys // np_
            new_class = self.group_classes.group_of(self.ek[moved_from] * np_ + keys % np_)
        shape.entry, shape.weights, shape.entry_class = inv, weights, new_class
        shape.entry_pos = _some_member(inv, len(moved_from))
        shape.ej, shape.eu_entries = self.ej[moved_from], self.eu[moved_from]
        return shape, was


@dataclass(slots=True, eq=False)
class _Supporters:
    """The supporters of a project ``s``, and their ballot entries that move when ``s`` is
    bought, as parallel arrays (see :meth:`_Structure._supporters`).

    One element per supporter, a distinct ballot giving ``s`` points: ``rows``, its row in
    the profile (what ``_Structure.vcls`` indexes); ``points``, the number (index into
    ``_Profile.pvals``) of its points on ``s``; ``weight``, how many voters cast it. One
    element per entry of those ballots for another project the structure counts:
    ``entry_pos``, the entry's place in the ballots (CSR order, what ``_Structure.eid``
    indexes); ``entry_project``, its project; ``entry_points`` and ``entry_weight``, the
    ``points`` and ``weight`` of the supporter it belongs to.
    """

    rows: np.ndarray
    points: np.ndarray
    weight: np.ndarray
    entry_pos: np.ndarray
    entry_project: np.ndarray
    entry_points: np.ndarray
    entry_weight: np.ndarray


class _SplitShape:
    """How a purchase splits the classes after a given set of purchases, in numbers that
    do not depend on the order of those purchases. ``group``: each supporter's new class
    (0-based among the new ones), ``group_voter``: one supporter of each, ``gw`` and
    ``eu``: their voters and utility from the purchase. ``pos``: the supporters' ballot
    entries that move; ``entry``: the new entry each moves to (0-based), ``entry_pos``: one
    of them per new entry; ``entry_class``, ``ej``, ``eu_entries``, ``weights``: each new
    entry's new class, project, utility and voters."""

    __slots__ = (
        "group",
        "group_voter",
        "gw",
        "eu",
        "pos",
        "entry",
        "entry_pos",
        "entry_class",
        "ej",
        "eu_entries",
        "weights",
    )

    def size(self) -> int:
        """How many numbers the shape holds."""
        return sum(len(getattr(self, name)) for name in self.__slots__)


def _some_member(group: np.ndarray, n_groups: int) -> np.ndarray:
    """For each of ``n_groups`` groups, the index of one element of ``group`` in it."""
    member = np.empty(n_groups, dtype=np.intp)
    member[group] = np.arange(len(group))
    return member


class _Budgets:
    """Class budgets of several counts that make the same purchases, one row per count.

    ``rows`` has room for more classes than there are; the columns past the last class
    are unused.
    """

    def __init__(self, per_voter):
        self.rows = np.asarray(per_voter, dtype=np.float64)[:, None]

    def prices(self, nxt: _Level, s_cost: float) -> tuple[np.ndarray, np.ndarray]:
        """Each count's price factor for the purchase that leads to ``nxt``: from the
        supporter groups of that purchase, by :func:`_price_factor` for a single count;
        several counts at once take :func:`_newton_prices` instead, the same factors up to
        rounding without a sort per count. Also returns the groups' money, for :meth:`pay`."""
        eb, eu = self.rows.take(nxt.parent, axis=1), nxt.eu
        if len(eb) == 1:
            return np.array([_price_factor(eb[0], eu, nxt.gw, s_cost)]), eb
        # Newton's method from the factor at which everybody pays in full: mostly some
        # count has groups that cannot, and checking first would cost as much as a step.
        return _newton_prices(eb, eu, nxt.gw, s_cost, s_cost / (nxt.gw @ eu)), eb

    def replay(self, struct: _Structure, purchases: list[int], r: int, prof: _Profile) -> None:
        """Make the first ``r`` of ``purchases`` (the sequence ``struct`` keeps), as a run does."""
        for q in range(r):
            nxt = struct.levels[q + 1]
            self.pay(nxt, *self.prices(nxt, prof.fcosts[purchases[q]]))

    def pay(self, nxt: _Level, rhos: np.ndarray, have: np.ndarray) -> None:
        """The supporters, with money ``have`` per group (from :meth:`prices`), pay at the
        price factors ``rhos``; the new classes get what is left."""
        if nxt.ncls > self.rows.shape[1]:
            grown = np.empty((len(self.rows), max(nxt.ncls, 2 * self.rows.shape[1])))
            grown[:, : nxt.first_new] = self.rows[:, : nxt.first_new]
            self.rows = grown
        due = rhos[:, None] * nxt.eu
        # Each group pays min(have, due); what is left, have - min(have, due), is this.
        self.rows[:, nxt.first_new : nxt.ncls] = np.maximum(have - due, 0.0)


def _price_factor(eb: np.ndarray, eu: np.ndarray, gw: np.ndarray, s_cost: float, raised: float | None = None) -> float:
    """The price factor of one purchase in one count: supporter groups of ``gw`` voters with
    money ``eb`` each and utility ``eu`` (``raised``: ``eb @ gw``, if the caller has it).

    Usually every group can pay in full at cost / utility. Utilities are whole numbers, so
    their total is exact, and the factor is the one the search below finds; near a
    shortfall of money the search decides. By money per unit of utility, the groups that
    cannot pay in full come first; the factor is the first split at which the next group
    can.
    """
    rho = s_cost / (gw @ eu)
    if raised is None:
        raised = eb @ gw
    if (eb >= rho * eu).all() and raised >= s_cost * (1 + 1e-9):
        return rho
    order = (eb / eu).argsort()
    money = (eb * gw).take(order)
    util = (gw * eu).take(order)
    poor = money.cumsum() - money
    rich = util.sum() - (util.cumsum() - util)
    rhos = (min(s_cost, money.sum()) - poor) / rich
    fits = rhos * eu.take(order) <= eb.take(order)
    fits[-1] = True
    return float(rhos[fits.argmax()])


def _newton_prices(eb: np.ndarray, eu: np.ndarray, gw: np.ndarray, s_cost: float, low: float) -> np.ndarray:
    """The price factors of one purchase for several counts at once (class money ``eb``,
    one row per count), by Newton's method from ``low`` (the factor if all pay in full).

    The same factors as the sorted search of :func:`_price_factor` up to rounding
    (a few units in the last place), without sorting each row. Only the choices of the
    counts followed together depend on them, as they do on rounding anyway; a count
    alone, and so the returned step's rebuilt one, takes the sorted search. Each step
    lands on or below the root of the concave money-raised curve, and the poor groups
    only grow, so it stops once their number does.
    """
    money = eb * gw
    util = gw * eu
    target = np.minimum(s_cost, money.sum(axis=1))
    rho = np.full(len(eb), low)
    count = -1
    while True:
        poor = eb <= rho[:, None] * eu
        now = int(np.count_nonzero(poor))
        if now == count:
            return rho
        count = now
        # As 0/1 weights: a product summed by einsum or matmul beats a masked sum.
        weight = poor.astype(np.float64)
        step = (target - np.einsum("ij,ij->i", money, weight)) / ((1.0 - weight) @ util)
        # fmax keeps the factor where every group is poor (the factor is then exact).
        rho = np.fmax(rho, step)


@dataclass(slots=True, eq=False)
class _Entries:
    """A round's live entries (see :class:`_Run`) as parallel arrays, one element per
    entry: the voters of one class who give one open project the same points.

    ``project``: that project (``_Structure.ej``); ``utility``: each voter's utility from
    it, points times cost (``_Structure.eu``); ``weight``: how many voters the entry
    stands for at this level (a float; ``_Structure.w0`` less the voters moved off it
    since); ``klass``: their class (``_Structure.ek``), the column of ``_Budgets.rows``
    that holds the money each of them has.
    """

    project: np.ndarray
    utility: np.ndarray
    weight: np.ndarray
    klass: np.ndarray

    def take(self, keep: np.ndarray) -> _Entries:
        """The entries at positions ``keep``."""
        return _Entries(self.project.take(keep), self.utility.take(keep), self.weight.take(keep), self.klass.take(keep))


@dataclass(slots=True, eq=False)
class _Prices:
    """A round's pricing in the count at the lowest budget, one element per project:
    ``alive``, whether its supporters can afford it there (and it is not bought or out);
    ``rho``, its price factor (for a project not alive, the last one computed); ``rich``, the
    utility of its supporters who can pay in full at that factor, or ``None`` when the
    round's purchase was given rather than priced (see :func:`_catch_up`)."""

    alive: np.ndarray
    rho: np.ndarray
    rich: np.ndarray | None


def _price_factors(prof: _Profile, lower, alive, money, live: _Entries, each, total):
    """Every alive project's price factor: the smallest ``rho`` at which its
    supporters, each paying ``min(money, rho * utility)``, cover its cost (or all their
    money, if that falls short of the cost only within the tolerance).

    Newton's method from below, from ``lower`` where that is a lower bound. On the
    concave, piecewise-linear left side each step lands on or below the root, and the
    iteration is exact once the set of supporters who cannot pay in full stops
    growing. Also returns, per project, the utility of the supporters who can pay in
    full at its factor (for the bound in :meth:`_Run._doubts`).

    ``live``: the round's live entries; ``each``, ``total``: per live entry, the money of
    each of its voters and of all of them; ``money``: each project's supporters' money. A
    project not ``alive`` keeps its ``lower`` factor.
    """
    m, costs = prof.m, prof.fcosts
    lj, lu = live.project, live.utility
    wu = live.weight * lu
    target = np.minimum(costs, money)
    rich = np.bincount(lj, weights=wu, minlength=m)
    rho = target / rich
    # Last round's factor is a bound unless the target shrank to the money.
    rho = np.where(money >= costs, np.fmax(rho, lower), rho)
    # Only the entries that turn poor are summed, and taken off the rich ones' utility:
    # an entry once poor stays poor, as the factors only rise. Taking off is exact where
    # the utilities' sums are (see _Profile.exact_utility); elsewhere the rich ones'
    # utility is summed afresh. Either way it is exactly 0 once no entry is rich.
    poor = np.zeros(len(lj), dtype=bool)
    poor_money = np.zeros(m)
    while True:
        now = each <= rho.take(lj) * lu
        turned = (now ^ poor).nonzero()[0]
        if not len(turned):
            return np.where(alive, rho, lower), rich
        poor = now
        j = lj.take(turned)
        if prof.exact_utility:
            rich = rich - np.bincount(j, weights=wu.take(turned), minlength=m)
        else:
            rich = np.bincount(lj, weights=np.where(poor, 0.0, wu), minlength=m)
        poor_money += np.bincount(j, weights=total.take(turned), minlength=m)
        # A project whose supporters are all poor keeps its factor: fmax ignores the NaN.
        rho = np.fmax(rho, np.where(rich > 0, (target - poor_money) / rich, np.nan))


def _money_by_project(lj: np.ndarray, wb: np.ndarray, m: int) -> np.ndarray:
    """Per row of ``wb`` (one row per count), the entries' money summed by their projects ``lj``."""
    if len(wb) == 1:
        return np.bincount(lj, weights=wb[0], minlength=m)[None, :]
    flat = (lj + m * np.arange(len(wb))[:, None]).ravel()
    return np.bincount(flat, weights=wb.ravel(), minlength=len(wb) * m).reshape(len(wb), m)


def _cheapest(prof: _Profile, alive: np.ndarray, rho: np.ndarray) -> int:
    """The alive project with the lowest price factor; ties (see _TOL) to the tie-break rank."""
    cand = np.where(alive, rho, np.inf)
    tied = (cand <= cand.min() * (1 + _TOL)).nonzero()[0]
    return int(tied[prof.rank.take(tied).argmin()])


def _enter(weights: np.ndarray, struct: _Structure, nxt: _Level) -> np.ndarray:
    """The entries' voter counts at level ``nxt``, from those at the level before."""
    if len(weights) < nxt.id_end:
        grown = np.empty(max(nxt.id_end, 2 * len(weights)))
        grown[: nxt.id_start] = weights[: nxt.id_start]
        weights = grown
    block = struct.w0[nxt.id_start : nxt.id_end]
    weights[nxt.id_start : nxt.id_end] = block
    if struct.prof.n_points == 1:
        weights[nxt.moved_from] -= block  # one new entry per old one: no index twice
    else:
        np.subtract.at(weights, nxt.moved_from, block)
    return weights


class _Snapshot:
    """A run's state at the start of round ``r``, for counts that agree on rounds ``< r``.

    ``per_voter``: the counts' starting budgets (increasing); ``rows``: their class
    budgets; ``selected``: the purchases so far; ``weights``, ``out``, ``live``: as in
    :class:`_Run`.
    """

    __slots__ = ("r", "per_voter", "rows", "selected", "weights", "out", "live")


class _Run:
    """One MES count at per-voter budget ``b``, optionally proving higher budgets alike.

    ``tracks``: increasing per-voter budgets above ``b``. Each is followed by a count
    forced to make the purchases of the count at ``b``. Between consecutive budgets
    ``t0 < t1`` of ``[b] + tracks`` the run tries to prove that every budget in
    ``[t0, t1]`` makes exactly those purchases. ``certified`` is the number of leading
    intervals proven. If an interval fails in round ``r``, every budget above its lower
    end, up to the highest track still followed, makes the same purchases in the rounds
    before ``r``, so ``snapshots`` gets the state of the counts from the failing
    interval's upper end up (later failures add later, lower snapshots), and a later run
    (``resume``) continues a count at any such budget from round ``r``: from the
    snapshot's own counts, or by replaying the purchases for one it does not hold.
    ``unit``: the add1 step; an interval between neighbouring steps holds no budget
    besides its ends, so it only needs its upper end's count to make the purchase
    (checked at that count's own price factor, which is much tighter than the interval
    bound: near a tie the interval bound fails at every step). ``prefix``: purchases the
    count at ``b`` is known to make first; the run makes them instead of choosing, proves
    the intervals as usual, and stops after them, leaving the state of the counts that
    held out in ``final`` (see :func:`_catch_up`).

    Why the proof holds. With the purchases fixed, a round maps money monotonically (more
    money before means a price factor no higher and so at least as much money after), so
    at every budget in ``[t0, t1]`` each class's money lies between the two forced counts'
    money, and every price factor between theirs. So if, for each other project ``x``, the
    supporters' money at ``t1`` cannot cover ``cost_x`` at the bought project's price
    factor at ``t0`` (less the tie margin, or plus it against projects the tie-break
    prefers), no budget in between buys anything else in that round; and if nothing is
    affordable at ``t1`` at the end, nothing is in between.
    """

    def __init__(
        self,
        prof: _Profile,
        struct: _Structure,
        b: float = 0.0,
        tracks=(),
        resume: _Snapshot | None = None,
        unit: float = 0.0,
        prefix: list[int] | None = None,
    ):
        self.prof = prof
        m = prof.m
        costs = prof.fcosts
        short = costs * (1 - _AFFORD)
        self.nfree = len(prof.free)
        self.rhos: list[float] = []
        self.snapshots: list[_Snapshot] = []
        # Price factors only rise within a count (money only shrinks): last round's are
        # lower bounds for this round's.
        rho = np.zeros(m)
        if resume is None:
            self.per_voter = [b, *tracks]
            budgets = _Budgets(self.per_voter)
            self.selected: list[int] = list(prof.free)
            # Not to be counted again: bought, or unaffordable under the highest budget.
            out = ~struct.open0
            weights = struct.w0[: struct.levels[0].id_end].copy()
            live = None
            r = 0
        else:
            # Resumed at round ``r``: the counts at ``[b, *tracks]`` are those of the
            # snapshot where it has them, and replayed through its purchases otherwise.
            self.per_voter = [b, *tracks]
            self.selected = list(resume.selected)
            r = resume.r
            kept = {t: i for i, t in enumerate(resume.per_voter)}
            missing = [t for t in self.per_voter if t not in kept]
            replayed = _Budgets(missing)
            if missing:
                replayed.replay(struct, self.selected[self.nfree :], r, prof)
            budgets = _Budgets(self.per_voter)
            budgets.rows = np.empty((len(self.per_voter), max(resume.rows.shape[1], replayed.rows.shape[1])))
            for i, t in enumerate(self.per_voter):
                source = resume.rows[kept[t]] if t in kept else replayed.rows[missing.index(t)]
                budgets.rows[i, : len(source)] = source
            out, weights, live = resume.out.copy(), resume.weights.copy(), resume.live
        # Intervals between neighbouring steps hold no other budget to prove.
        adjacent = np.diff(self.per_voter) <= 1.5 * unit
        while True:
            rows = len(budgets.rows)
            if prefix is not None and r == len(prefix):
                self.final = self._snapshot(budgets, 0, r, weights, out, live)
                break
            self.adjacent = adjacent[: rows - 1]
            if live is None:
                # The entries with voters and money (under the highest budget) for a
                # project not out.
                live = np.flatnonzero(weights[: struct.levels[r].id_end] > 0)
                live = live[~out[struct.ej[live]] & (budgets.rows[-1, struct.ek[live]] > 0)]
            entries = _Entries(struct.ej.take(live), struct.eu.take(live), weights.take(live), struct.ek.take(live))
            # The supporters' money under the lowest and the highest budget only: the
            # budgets between have no less than the lowest's and no more than the
            # highest's, which is all the proof's bound needs (see _doubts). Row by row:
            # take along an axis of a strided view copies the whole view first. ``eb``:
            # each of an entry's voters' money, ``wb``: all of theirs (count x entry).
            top = budgets.rows[-1].take(entries.klass)
            eb = np.vstack((budgets.rows[0].take(entries.klass), top)) if rows > 1 else top[None, :]
            wb = entries.weight * eb
            money = _money_by_project(entries.project, wb, m)
            affordable = (money >= short) & ~out
            out |= ~affordable[-1]
            alive = affordable[0]
            if not alive.any():
                # Nothing left at the lowest budget: any budget above that can still buy
                # something fails.
                higher = budgets.rows[1:].take(entries.klass, axis=1)
                higher = _money_by_project(entries.project, entries.weight * higher, m)
                fails = np.flatnonzero(((higher >= short) & ~out).any(axis=1))
                if len(fails):
                    self._fail(budgets, fails[0], r, weights, out, live)
                break
            if prefix is not None:
                s, rich = prefix[r], None
            else:
                rho, rich = _price_factors(prof, rho, alive, money[0], entries, eb[0], wb[0])
                s = _cheapest(prof, alive, rho)
            nxt = struct.after(r, s)
            # Every count pays at the factor computed from the supporter groups, so a count
            # continued from a snapshot matches one started afresh at the same budget (up
            # to rounding when counts are followed together).
            rhos, have = budgets.prices(nxt, costs[s])
            if rows > 1:
                fails = self._doubts(s, rhos, money, affordable, entries, budgets.rows, _Prices(alive, rho, rich))
                if len(fails):
                    self._fail(budgets, fails[0], r, weights, out, live)
                    rhos, have = rhos[: len(budgets.rows)], have[: len(budgets.rows)]
            budgets.pay(nxt, rhos, have)
            weights = _enter(weights, struct, nxt)
            self.selected.append(s)
            self.rhos.append(float(rhos[0]))
            out[s] = True
            keep = (weights.take(live) > 0) & ~out.take(entries.project)
            block = slice(nxt.id_start, nxt.id_end)
            fresh = (~out.take(struct.ej[block]) & (budgets.rows[-1].take(struct.ek[block]) > 0)).nonzero()[0]
            live = np.concatenate((live[keep], fresh + nxt.id_start))
            r += 1
        self.certified = len(budgets.rows) - 1
        self.struct = struct
        self.rounds = r
        self.budgets = budgets.rows[0]

    def _snapshot(self, budgets: _Budgets, first: int, r: int, weights, out, live) -> _Snapshot:
        """The state of the counts from row ``first`` up at the start of round ``r``."""
        snap = _Snapshot()
        snap.r = r
        snap.per_voter = self.per_voter[first : len(budgets.rows)]
        snap.rows = budgets.rows[first:].copy()
        snap.selected = list(self.selected)
        snap.weights = weights.copy()
        snap.out = out.copy()
        snap.live = live
        return snap

    def _fail(self, budgets: _Budgets, interval: int, r: int, weights, out, live) -> None:
        """Interval ``interval`` (0-based) failed in round ``r``: keep the counts above it
        for a later run, and follow only those below."""
        self.snapshots.append(self._snapshot(budgets, interval + 1, r, weights, out, live))
        budgets.rows = budgets.rows[: interval + 1]

    def _doubts(self, s, rhos, money, affordable, live: _Entries, rows, lowest: _Prices) -> np.ndarray:
        """The intervals (0-based) in which some budget might not buy ``s`` this round.

        ``money``, ``affordable``: each project's supporters' money, and whether it covers
        the cost, under the lowest and the highest budget; ``live``: the round's live
        entries; ``rows``: the class budgets of every count followed; ``lowest``: the
        round's pricing in the count at the lowest budget.
        """
        prof = self.prof
        costs = prof.fcosts
        m = prof.m
        upper = len(rhos) - 1
        if money[0, s] < costs[s]:
            return np.arange(upper)
        # Projects the tie-break prefers must stay above the tie window; the others only
        # must not undercut it, so an exact tie that lasts across the budgets is kept.
        factor = np.where(prof.rank < prof.rank[s], 1 + _TOL, 1 / (1 + _TOL))
        # An interval between neighbouring steps only needs its upper end to buy s.
        limit = np.where(self.adjacent, rhos[1:], rhos[:-1])[:, None] * factor
        # What the highest budget cannot afford, no budget below it can.
        rivals = np.repeat(affordable[-1:], upper, axis=0)
        rivals[:, s] = False
        alive, rho, rich = lowest.alive, lowest.rho, lowest.rich
        if rich is not None:
            # A bound rules out most rivals before summing. The money x raises at factor
            # f is concave in f, so at the lowest budget it is at most cost_x less the
            # utility of its supporters who pay in full at rho_x times (rho_x - f); with
            # the same purchases a higher budget leaves every class at least as much
            # money, and at most as much as the highest budget does, which adds at most
            # what x's supporters have more there. The margin covers the rounding of the
            # bound; what it does not rule out is summed as before.
            known = alive & (money[0] >= costs)
            bound = money[-1] + np.where(known, costs - money[0] - rich * (rho - limit), 0.0)
            rivals &= bound >= costs * (1 - _AFFORD - 1e-6)
            if not rivals.any():
                return np.zeros(0, dtype=np.intp)
            live = live.take(rivals.any(axis=0)[live.project].nonzero()[0])
        # The money each rival raises at the limit, in each interval's count; it is at most
        # the supporters' money, so a project that count cannot afford does not pass.
        lj, lu = live.project, live.utility
        eb = rows[1 : upper + 1].take(live.klass, axis=1)
        cover = _money_by_project(lj, live.weight * np.minimum(eb, limit.take(lj, axis=1) * lu), m)
        return (rivals & (cover >= costs * (1 - _AFFORD))).any(axis=1).nonzero()[0]

    @classmethod
    def replayed(cls, prof: _Profile, struct: _Structure, b: float, selected: list[int]) -> _Run:
        """The count at per-voter budget ``b``, known to buy ``selected``, rebuilt by paying
        for those purchases in order: a count pays each purchase at the factor
        :meth:`_Budgets.prices` gives, so this makes the same calls on the same numbers."""
        run = cls.__new__(cls)
        run.prof, run.struct, run.nfree = prof, struct, len(prof.free)
        run.selected = list(selected)
        budgets = _Budgets([b])
        run.rhos = []
        for r, s in enumerate(run.selected[run.nfree :]):
            nxt, cost = struct.after(r, s), prof.fcosts[s]
            rhos, have = budgets.prices(nxt, cost)
            budgets.pay(nxt, rhos, have)
            run.rhos.append(float(rhos[0]))
        run.rounds = len(run.rhos)
        run.budgets = budgets.rows[0]
        return run

    def spent(self) -> int:
        return int(self.prof.costs[self.selected].sum())

    def result(self, b: float, steps: int) -> MesResult:
        self.struct.cut(self.rounds)
        voter_money = self.budgets[self.struct.vcls]
        return _result(self.prof, self.selected, self.rhos, voter_money, b, steps)


def _result(prof: _Profile, selected: list[int], rhos: list[float], voter_money, b: float, steps: int) -> MesResult:
    """The result of a count that bought ``selected`` (the free projects first, then the
    others at price factors ``rhos``) and left every distinct ballot's voter with
    ``voter_money``."""
    nfree = len(prof.free)
    rounds = {j: i + 1 for i, j in enumerate(selected)}
    eff = {j: float(prof.support_points[j]) for j in selected[:nfree]}
    for j, rho in zip(selected[nfree:], rhos):
        eff[j] = 1.0 / rho
    money = np.bincount(prof.col_proj, weights=(voter_money * prof.mult)[prof.col_voter], minlength=prof.m)
    chosen = set(selected)
    lacked = {
        int(j): (float(money[j]), int(prof.costs[j])) for j in np.flatnonzero(prof.support > 0) if int(j) not in chosen
    }
    spent = int(prof.costs[selected].sum())
    return MesResult(selected, rounds, eff, lacked, float(b), spent, steps)


def _quiet(count):
    """Run ``count`` with NumPy's divide and invalid warnings off: a count divides by the
    utility of supporters who can pay in full, which is 0 for some projects, and handles
    the inf and NaN that gives where it does so (``fmax``, ``where``). Once per count, as
    entering ``np.errstate`` costs more than many a round's arithmetic."""

    @functools.wraps(count)
    def quiet(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return count(*args, **kwargs)

    return quiet


@_quiet
def equal_shares(costs, budget, indptr, indices, points, multiplicity, *, per_voter_budget=None) -> MesResult:
    """Plain MES: every voter starts with ``budget / N`` (or ``per_voter_budget``).

    ``costs``: project costs in minor units. The ballots are a CSR profile of distinct
    ballots: ballot ``i`` gives ``points[k]`` points to project ``indices[k]`` for ``k`` in
    ``indptr[i]:indptr[i+1]`` (1 for an approval), and ``multiplicity[i]`` voters cast it;
    ``N = multiplicity.sum()``. A ballot lists a project at most once. Tie-breaking: see
    the module docstring (lower cost, then more supporters, then lower index).
    """
    prof = _Profile(costs, indptr, indices, points, multiplicity)
    if per_voter_budget is None:
        per_voter_budget = budget / prof.voters if prof.voters else 0.0
    b = float(per_voter_budget)
    # A project its supporters cannot afford at the start never becomes affordable.
    relevant = prof.support * b >= prof.fcosts * (1 - _AFFORD)
    return _count_by_ballot(prof, relevant, b)


def _count_by_ballot(prof: _Profile, relevant: np.ndarray, b: float) -> MesResult:
    """Plain MES on the distinct ballots themselves, without classes: the same choices and
    price factors as a :class:`_Run` at ``b`` up to rounding.

    Lazily: a project's price factor only rises within a count (its supporters' money only
    shrinks), so the last one computed is a lower bound. A round prices the projects in
    increasing order of their bounds and stops at the first bound above the tie window of
    the cheapest found, so it prices a few projects, not all of them. The factors of the
    first round, where everybody has the same money, are computed for all projects at once.
    """
    costs = prof.fcosts
    short = (costs * (1 - _AFFORD)).tolist()
    fcosts, rank = costs.tolist(), prof.rank.tolist()
    col_util = prof.pvals[prof.col_pidx] * costs[prof.col_proj]
    col_weight = prof.mult[prof.col_voter].astype(np.float64)
    open_ = (relevant & prof.priced).nonzero()[0]
    # As _price_factor: every supporter can pay in full at cost / utility, unless the money
    # comes too near the cost (such a project is priced in the loop, from a bound of 0).
    first = costs[open_] / (prof.support_points[open_] * costs[open_])
    starts = prof.col_ptr[:-1]
    listed = (prof.col_ptr[1:] > starts).nonzero()[0]
    top_utility = np.zeros(prof.m)
    top_utility[listed] = np.maximum.reduceat(col_util, starts[listed])
    known = b >= first * top_utility[open_]
    known &= prof.support[open_] * b >= costs[open_] * (1 + 2e-9)
    # (price factor or a lower bound, tie-break rank, project) of every project still open.
    bounds = [(f if k else 0.0, rank[j], j) for f, k, j in zip(first.tolist(), known.tolist(), open_.tolist())]
    heapq.heapify(bounds)
    # The projects whose bound is their price factor: until the first purchase, the known.
    exact = set(open_[known].tolist())
    supporters: dict[int, tuple] = {}
    money = np.full(prof.n, b)
    selected, rhos = list(prof.free), []
    while bounds:
        priced, best = [], np.inf
        while bounds and bounds[0][0] <= best * (1 + _TOL):
            rho, rank_j, j = heapq.heappop(bounds)
            bound = rho
            if j not in exact:
                voters, utility, weight = _ballots_of(supporters, prof, j, col_util, col_weight)
                have = money.take(voters)
                raised = have @ weight
                # A project its supporters can no longer afford never becomes affordable again.
                if raised < short[j]:
                    continue
                rho = _price_factor(have, utility, weight, fcosts[j], raised)
                # Priced at all its supporters' money, just short of the cost, the factor
                # may drop as they pay for others: it bounds nothing.
                bound = rho if raised >= fcosts[j] else 0.0
            priced.append((rho, rank_j, j, bound))
            best = min(best, rho)
        if not priced:
            break
        # The cheapest within the tie window, by tie-break rank.
        window = best * (1 + _TOL)
        rho, _, s, _ = min((p for p in priced if p[0] <= window), key=lambda p: p[1])
        for _, rank_j, j, bound in priced:
            if j != s:
                heapq.heappush(bounds, (bound, rank_j, j))
        exact = ()
        voters, utility, _ = _ballots_of(supporters, prof, s, col_util, col_weight)
        have = money.take(voters)
        money[voters] = np.maximum(have - rho * utility, 0.0)
        selected.append(s)
        rhos.append(rho)
    return _result(prof, selected, rhos, money, b, 0)


def _ballots_of(cache: dict, prof: _Profile, j: int, col_util: np.ndarray, col_weight: np.ndarray) -> tuple:
    """The supporters of ``j`` (distinct ballots), their utility from it and their voters."""
    got = cache.get(j)
    if got is None:
        a, z = prof.col_ptr[j], prof.col_ptr[j + 1]
        got = cache[j] = (prof.col_voter[a:z], col_util[a:z], col_weight[a:z])
    return got


@_quiet
def equal_shares_add1(costs, budget, indptr, indices, points, multiplicity, *, unit=1) -> MesResult:
    """MES with the ``add1`` completion (pabulib's and equalshares.net's ``equalshares/add1``).

    Step ``k`` (k = 0, 1, 2, ...) runs MES with every voter starting with
    ``budget / N + k * unit``. The loop goes on while the outcome costs at most the real
    ``budget`` and stops at the first step whose outcome costs more; the result is the
    outcome of the step before it, the last one that stays within the budget. Step 0 is
    plain MES, which never overspends. The loop also ends after step ``K = budget // unit``
    (where the virtual total budget ``budget + k * unit * N`` reaches ``budget * (N + 1)``),
    returning step ``K``'s outcome; so it always terminates. It does not stop at an
    exhaustive outcome. This is pabutools' ``exhaustion_by_budget_increase`` with
    ``budget_step = unit * N``, ``exhaustive_stop=False`` and its default bound.
    ``steps`` in the result is the index of the step at which the loop stopped (the first
    over-budget step, or ``K``); ``per_voter_budget`` is that of the returned step.

    The outcome is the one the unit-step loop gives, but not every step is counted in
    full. A run at step ``k`` also follows later steps ``k + d`` (every one of the next
    ``_DENSE``, then sparser ones up to twice the last jump; see :class:`_Run` and
    :func:`_ladder`): the steps up to the last ``d`` it proves to buy the same projects
    cost the same and are skipped. Where a proof fails in round ``r``, the steps above
    agree with the forced counts before round ``r``; the snapshots of those counts are
    kept on a stack, and the next step continues from the latest one instead of counting
    from round 0. When the last snapshot holds fewer steps than the ladder, the steps
    above it are first followed through its purchases (:func:`_catch_up`), so a run counts
    from round 0 only when no snapshot is left. The result is rebuilt by paying for the
    purchases of the returned step again, not by counting it once more.
    """
    prof = _Profile(costs, indptr, indices, points, multiplicity)
    if prof.voters == 0:
        return _Run(prof, _Structure(prof, prof.priced), 0.0).result(0.0, 0)
    unit = int(unit)
    if unit <= 0:
        raise ValueError("unit must be positive")
    budget = int(budget)
    base = budget / prof.voters
    last_step = budget // unit
    # The class structure leaves out projects unaffordable at every budget up to ``cap``,
    # and is rebuilt with a higher cap when a run needs one.
    cap, struct = 0.0, None
    step, good, reach, stop = 0, 0, 0, last_step
    # Snapshots of counts still to resume, the last one lowest in budget and latest in round.
    pending: list[_Snapshot] = []
    while step <= last_step:
        snapshot = pending.pop() if pending else None
        offsets = [o for o in _ladder(reach) if step + o <= last_step]
        if snapshot is not None:
            # Only the budgets up to the snapshot's highest are known to make this step's
            # purchases before its round; the counts it holds cost nothing to add.
            held = [round((t - base) / unit) - step for t in snapshot.per_voter]
            # With no snapshot left for the steps of the ladder above the snapshot's
            # highest, the next of them would be counted from round 0: they are caught up
            # with it instead (see _catch_up).
            extra = [o for o in offsets if o > held[-1]] if not pending and snapshot.r else []
            offsets = sorted({o for o in offsets if o <= held[-1]} | {o for o in held if o > 0})
        else:
            extra = []
        top = base + (step + max(offsets + extra, default=0)) * unit
        if top > cap:
            # Counts kept in snapshots used the old structure; start afresh.
            cap, snapshot, pending, extra = base + 2 * max(base, top - base), None, [], []
            struct = _Structure(prof, prof.support * cap >= prof.fcosts * (1 - _AFFORD))
        if extra:
            snapshot, failed = _catch_up(prof, struct, snapshot, [base + (step + o) * unit for o in extra], unit)
            # Their own failures hold higher steps from earlier rounds: below on the stack.
            pending += failed
            offsets = sorted({*offsets, *(round((t - base) / unit) - step for t in snapshot.per_voter)} - {0})
        tracks = [base + (step + o) * unit for o in offsets]
        run = _Run(prof, struct, base + step * unit, tracks, resume=snapshot, unit=unit)
        if step and run.spent() > budget:
            stop = step
            break
        done = offsets[run.certified - 1] if run.certified else 0
        # Every step up to a failing interval's upper end makes the purchases of this
        # one before that snapshot's round, so the next step resumes from the latest.
        pending += run.snapshots
        good, step = step + done, step + done + 1
        bought = run.selected
        reach = 2 * done
    b = base + good * unit
    # The purchases at ``good`` are known: paying for them again gives that count's
    # numbers without counting.
    return _Run.replayed(prof, struct, b, bought).result(b, stop)


def _catch_up(prof: _Profile, struct: _Structure, snapshot: _Snapshot, budgets: list[float], unit: float):
    """Extend ``snapshot`` with counts at the higher ``budgets`` that make its purchases.

    The count at the snapshot's highest budget is known to make the snapshot's purchases
    before its round; counts at ``budgets`` follow it through them, each interval proven
    as in :class:`_Run`. Returns the snapshot with the counts that held out to its round
    added, and the snapshots of those that failed earlier (higher budgets, earlier rounds).
    Only the followed counts are counted, not the known one's choices, so this costs less
    than counting the lowest of ``budgets`` from round 0.
    """
    catch = _Run(prof, struct, snapshot.per_voter[-1], budgets, unit=unit, prefix=snapshot.selected[len(prof.free) :])
    final = catch.final
    if len(final.per_voter) == 1:
        return snapshot, catch.snapshots
    merged = _Snapshot()
    merged.r, merged.selected, merged.weights = snapshot.r, snapshot.selected, snapshot.weights
    merged.per_voter = snapshot.per_voter + final.per_voter[1:]
    held = len(snapshot.per_voter)
    merged.rows = np.zeros((len(merged.per_voter), max(snapshot.rows.shape[1], final.rows.shape[1])))
    merged.rows[:held, : snapshot.rows.shape[1]] = snapshot.rows
    merged.rows[held:, : final.rows.shape[1]] = final.rows[1:]
    # Out under the highest budget now followed; the live entries are found again.
    merged.out, merged.live = final.out, None
    return merged, catch.snapshots


def _ladder(reach: int) -> list[int]:
    """Step offsets for the forced counts of one run: every step up to ``_DENSE`` (the
    outcome changes every few steps in large elections), then sparser up to ``reach``."""
    out, o = [], 1
    while o <= max(reach, _DENSE):
        out.append(o)
        o += 1 if o < _DENSE else o // 2
    return out
