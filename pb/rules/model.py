"""Plain data types of the tally engine: projects, ballots, instances and outcomes.

Money is always an integer number of minor units (``Instance.unit`` minor units make one
currency unit). Ballots are stored once per distinct ballot, as a sparse voter x project
matrix in CSR form with a multiplicity per row, so rules run on distinct ballots only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")
#: Vote types whose ballots carry explicit points (a ``points`` column in pabulib).
POINTS_VOTE_TYPES = ("cumulative", "scoring")


@dataclass(frozen=True)
class Project:
    """One project on the ballot. ``cost`` is in minor units.

    ``extra`` keeps the other pabulib PROJECTS columns (``votes``, ``score``, ``selected``,
    ``description`` ...) as the file wrote them, so an instance can be written back.
    """

    id: str
    cost: int
    name: str | None = None
    categories: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)


class Ballots:
    """Distinct ballots as a CSR matrix: row ``b`` holds entries ``indptr[b]:indptr[b+1]``.

    ``indices`` are project indices (sorted within a row), ``points`` the points of each
    entry (1 for approval and choose-1, ``k - position + 1`` for ordinal, the given points
    for cumulative and scoring; never 0), and ``multiplicity[b]`` how many voters cast
    ballot ``b``. Rows keep the order in which each distinct ballot first appeared.
    """

    __slots__ = ("indptr", "indices", "points", "multiplicity")

    def __init__(self, indptr, indices, points, multiplicity):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int32)
        self.points = np.asarray(points, dtype=np.int64)
        self.multiplicity = np.asarray(multiplicity, dtype=np.int64)

    @property
    def n_distinct(self) -> int:
        return len(self.multiplicity)

    @property
    def n_voters(self) -> int:
        return int(self.multiplicity.sum())

    def row(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Project indices and points of distinct ballot ``b``."""
        start, end = self.indptr[b], self.indptr[b + 1]
        return self.indices[start:end], self.points[start:end]

    def row_of_entry(self) -> np.ndarray:
        """For every entry, the distinct ballot (row) it belongs to."""
        return np.repeat(np.arange(self.n_distinct), self.lengths())

    def voters_of_entry(self) -> np.ndarray:
        """For every entry, the number of voters who cast its ballot."""
        return np.repeat(self.multiplicity, self.lengths())

    def lengths(self) -> np.ndarray:
        """Number of projects on each distinct ballot."""
        # Not np.diff: its Python wrapper costs more than the subtraction on small profiles.
        return self.indptr[1:] - self.indptr[:-1]

    def __eq__(self, other):
        if not isinstance(other, Ballots):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, name), getattr(other, name)) for name in self.__slots__
        )

    def __repr__(self):
        return f"Ballots(n_distinct={self.n_distinct}, n_voters={self.n_voters})"


class BallotsBuilder:
    """Collects ballots one voter at a time and merges identical ones.

    The canonical key of a ballot is its sorted project indices with their points, so
    the same choices in another order (approval) are the same ballot.
    """

    def __init__(self):
        self._row_of_key: dict[tuple, int] = {}
        self._indices: list[int] = []
        self._points: list[int] = []
        self._indptr: list[int] = [0]
        self._multiplicity: list[int] = []

    def add(self, indices: Sequence[int], points: Sequence[int] | None = None) -> int:
        """Add one voter's ballot and return its distinct-ballot row.

        ``points=None`` means one point per project (approval). Entries with 0 points are
        dropped: they support nothing. Raises ``ValueError`` if a project appears twice.
        """
        if points is None:
            # Approval: the sorted projects are the key and the entries (1 point each).
            key = tuple(sorted(indices))
            row = self._row_of_key.get(key)
            if row is not None:
                self._multiplicity[row] += 1
                return row
            if len(set(key)) != len(key):
                raise ValueError("the vote names the same project twice")
            return self._store(key, key, [1] * len(key))
        key = tuple(sorted(entry for entry in zip(indices, points) if entry[1]))
        row = self._row_of_key.get(key)
        if row is not None:
            self._multiplicity[row] += 1
            return row
        return self._new_row(key, key)

    def add_ranking(self, ranking: Sequence[int]) -> int:
        """Add one voter's ranking (best first); entry points are positions, 1 = first.

        The ranking itself is the canonical key, which is cheaper than sorting entries.
        The caller turns positions into points once the ranking size ``k`` is known.
        """
        key = ("ranking", *ranking)
        row = self._row_of_key.get(key)
        if row is not None:
            self._multiplicity[row] += 1
            return row
        return self._new_row(key, sorted(zip(ranking, range(1, len(ranking) + 1))))

    def _new_row(self, key: tuple, entries: Sequence[tuple[int, int]]) -> int:
        """Store a ballot not seen before; ``entries`` are (project, points) sorted by project."""
        projects = [project for project, _ in entries]
        if len(set(projects)) != len(projects):
            raise ValueError("the vote names the same project twice")
        return self._store(key, projects, [points for _, points in entries])

    def _store(self, key: tuple, projects: Sequence[int], points: Sequence[int]) -> int:
        row = len(self._multiplicity)
        self._row_of_key[key] = row
        self._multiplicity.append(1)
        self._indices.extend(projects)
        self._points.extend(points)
        self._indptr.append(len(self._indices))
        return row

    def build(self) -> Ballots:
        return Ballots(self._indptr, self._indices, self._points, self._multiplicity)


@dataclass(eq=False)
class Voters:
    """Voter-level data kept for export: one entry per voter in file order.

    ``ballot[v]`` is the distinct-ballot row of voter ``v``; ``columns`` holds the other
    VOTES columns (``age``, ``sex``, ``voting_method`` ...), ``None`` where absent.
    """

    ids: list[str]
    ballot: np.ndarray
    columns: dict[str, list[str | None]] = field(default_factory=dict)

    def __eq__(self, other):
        if not isinstance(other, Voters):
            return NotImplemented
        return (
            self.ids == other.ids
            and np.array_equal(self.ballot, other.ballot)
            and self.columns == other.columns
        )


@dataclass
class Instance:
    """A PB election: budget, projects, distinct ballots and the file's META.

    ``unit`` is the number of minor units per currency unit (100 when the file had
    cents, else 1). ``meta`` keeps META as written (the place name is ``meta["unit"]``).
    """

    budget: int
    projects: tuple[Project, ...]
    vote_type: str
    ballots: Ballots
    unit: int = 1
    meta: dict[str, str] = field(default_factory=dict)
    voters: Voters | None = None

    @property
    def costs(self) -> np.ndarray:
        return np.array([project.cost for project in self.projects], dtype=np.int64)

    @property
    def project_ids(self) -> list[str]:
        return [project.id for project in self.projects]

    def project_index(self) -> dict[str, int]:
        return {project.id: index for index, project in enumerate(self.projects)}

    def scores(self) -> np.ndarray:
        """Total points of each project over all voters (approvals for approval ballots)."""
        return self.totals()[0]

    def supporters(self) -> np.ndarray:
        """Number of voters who gave each project any points."""
        return self.totals()[1]

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Each project's score and supporters (see :meth:`scores`, :meth:`supporters`),
        summed together: every outcome reports both."""
        ballots = self.ballots
        voters = ballots.voters_of_entry()
        supporters = _bincount(ballots.indices, voters, len(self.projects))
        if self.vote_type in ("approval", "choose-1"):
            # Every entry is one point (see Ballots): the score is the number of supporters.
            return supporters, supporters.copy()
        return _bincount(ballots.indices, ballots.points * voters, len(self.projects)), supporters

    def recorded_selection(self) -> list[str] | None:
        """Ids with ``selected == 1`` in the file's PROJECTS, or None without that column.

        Other values (2, 3: funded for a special reason) are not outcomes of the rule.
        """
        if not any("selected" in project.extra for project in self.projects):
            return None
        return [p.id for p in self.projects if p.extra.get("selected", "").strip() == "1"]


def _bincount(indices: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
    # bincount sums in float64; the sums are integers far below 2**53, so rounding is exact.
    totals = np.bincount(indices, weights=weights, minlength=length)
    return np.rint(totals).astype(np.int64)


def make_instance(
    projects: Iterable[Project],
    budget: int,
    votes: Iterable[Sequence[str] | Mapping[str, int]],
    *,
    vote_type: str = "approval",
    unit: int = 1,
    meta: Mapping[str, str] | None = None,
    max_ranking: int | None = None,
) -> Instance:
    """Build an instance from plain Python data (for the web app and tests).

    ``votes`` holds one entry per voter: a sequence of project ids for approval and
    choose-1, ids from best to worst for ordinal, a mapping id -> points for cumulative
    and scoring. Ordinal points are ``k - position + 1`` with ``k = max_ranking``
    (default: the longest ranking). Entries with 0 points are dropped.
    """
    projects = tuple(projects)
    if vote_type not in VOTE_TYPES:
        raise ValueError(f"unknown vote type {vote_type!r}; expected one of {VOTE_TYPES}")
    index = {project.id: i for i, project in enumerate(projects)}
    if len(index) != len(projects):
        raise ValueError("duplicate project id")
    votes = list(votes)
    if vote_type == "ordinal" and max_ranking is None:
        max_ranking = max((len(vote) for vote in votes), default=0)
    builder = BallotsBuilder()
    for vote in votes:
        if vote_type in POINTS_VOTE_TYPES:
            builder.add([index[pid] for pid in vote], [int(points) for points in vote.values()])
        elif vote_type == "ordinal":
            builder.add([index[pid] for pid in vote], ordinal_points(len(vote), max_ranking))
        else:
            builder.add([index[pid] for pid in vote])
    return Instance(
        budget=int(budget),
        projects=projects,
        vote_type=vote_type,
        ballots=builder.build(),
        unit=unit,
        meta=dict(meta or {}),
    )


def ordinal_points(length: int, max_ranking: int) -> list[int]:
    """Points of a ranking of ``length`` projects: k, k-1, ... for k = ``max_ranking``.

    The first choice always gets ``k`` points, also on a shorter ranking, so ranking
    fewer projects never weakens a voter's favourite.
    """
    if length > max_ranking:
        raise ValueError(f"the ranking has {length} projects, more than {max_ranking}")
    return list(range(max_ranking, max_ranking - length, -1))


# --- outcomes -------------------------------------------------------------------------
# Each reason is a small record with a ``kind`` and the numbers behind it, so a page can
# explain in the reader's language why a project was or was not funded.
#
# An outcome has a reason and a ProjectResult per project. These are slotted, not frozen,
# and the rules build them with positional arguments: a frozen dataclass sets each field
# through object.__setattr__, and building them so, with keywords, was most of a small
# election's greedy count (about 3.5 us a project, now under 1 us). Nothing changes them
# after the count.


@dataclass(slots=True)
class GreedySelected:
    """Funded: at ``rank`` in the score order it cost no more than the money left."""

    kind: str = field(default="greedy_selected", init=False)
    rank: int
    money_left_before: int


@dataclass(slots=True)
class GreedyDoesNotFit:
    """Not funded: at ``rank`` its cost was more than the money left."""

    kind: str = field(default="greedy_does_not_fit", init=False)
    rank: int
    money_left: int


@dataclass(slots=True)
class GreedyAfterStop:
    """Not funded (greedy-no-skip): counting stopped at the project ranked ``stopped_at_rank``."""

    kind: str = field(default="greedy_after_stop", init=False)
    rank: int
    stopped_at_rank: int


@dataclass(slots=True)
class BelowThreshold:
    """Not funded: its score was below the minimum score ``threshold``."""

    kind: str = field(default="below_threshold", init=False)
    score: int
    threshold: int


@dataclass(slots=True)
class MesBought:
    """Funded by equal shares in round ``round`` (1-based purchase order).

    ``effective_votes`` is the kernel's effective vote count for the project when it was
    bought (how many full supporters' shares it was worth).
    """

    kind: str = field(default="mes_bought", init=False)
    round: int
    effective_votes: float


@dataclass(slots=True)
class MesUnaffordable:
    """Not funded by equal shares: its supporters had ``supporters_money`` left, it cost ``cost``."""

    kind: str = field(default="mes_unaffordable", init=False)
    supporters_money: float
    cost: int


@dataclass(slots=True)
class OptimalSelected:
    """Funded: part of the set of projects with the highest total score that fits."""

    kind: str = field(default="optimal_selected", init=False)


@dataclass(slots=True)
class OptimalNotSelected:
    """Not funded: not part of the set of projects with the highest total score that fits."""

    kind: str = field(default="optimal_not_selected", init=False)


Reason = (
    GreedySelected
    | GreedyDoesNotFit
    | GreedyAfterStop
    | BelowThreshold
    | MesBought
    | MesUnaffordable
    | OptimalSelected
    | OptimalNotSelected
)


@dataclass(slots=True)
class ProjectResult:
    """One project's line in a result: its numbers, whether it was funded, and why."""

    id: str
    cost: int
    score: int
    supporters: int
    selected: bool
    reason: Reason


@dataclass(frozen=True)
class Comparison:
    """The comparison step of ``equalshares/add1-comparison``.

    A voter prefers the outcome that funds more of the projects on their ballot.
    ``winner`` is ``"greedy"`` only if more voters prefer greedy than equal shares.
    """

    mes_preferred: int
    greedy_preferred: int
    indifferent: int
    winner: str
    mes_selected: tuple[str, ...]
    greedy_selected: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """The result of one rule on one instance. Money in minor units (see ``unit``).

    ``selected`` lists project ids in selection order; ``projects`` follows file order.
    """

    rule: str
    budget: int
    unit: int
    spent: int
    selected: tuple[str, ...]
    projects: tuple[ProjectResult, ...]
    threshold: int | None = None
    per_voter_budget: float | None = None
    comparison: Comparison | None = None

    @property
    def total_score(self) -> int:
        return sum(result.score for result in self.projects if result.selected)

    def as_dict(self) -> dict:
        """Plain data for JSON: nested records become dicts, each reason keeps its ``kind``."""
        return asdict(self)


@dataclass(frozen=True)
class Selection:
    """What a rule kernel returns: chosen project indices in selection order, and a
    reason for every project (in project order)."""

    selected: tuple[int, ...]
    reasons: tuple[Reason, ...]
