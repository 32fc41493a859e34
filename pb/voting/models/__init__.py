"""Participatory-budgeting rounds: budgets, ideas, projects, ballots on every channel.

The tables, and what the tally (``pb/tally``) reads from them:

- :class:`BudgetRound` — one PB process. Translated ``name``/``description``; stored ``phase``
  (:class:`RoundPhase`, moved forward by staff; voting also ends by the clock at
  ``voting_closes_at``, see :meth:`BudgetRound.is_voting_open`); planned start dates per phase;
  ``ballot_format`` (:class:`BallotFormat`), ``max_choices`` (k, approval), ``points`` (N,
  cumulative); ``rule`` (a ``pb.rules.available_rules()`` name) and ``rule_threshold`` (only
  for ``greedy-threshold``); eligibility: ``min_age`` (turning that age this year) and
  ``eligibility`` (:class:`EligibilityMode`). ``frozen_at`` is set when voting opens; from then
  on format, limits, budgets, projects and rule are refused to change.
- :class:`RoundBudget` — the money of one district (``district_id``) or the city-wide money
  (``district_id`` NULL) in a round, ``amount_cents``. Ballots and projects belong to a budget:
  each budget is one tally instance.
- :class:`Idea` — a resident's idea (optional picture), staff feasibility assessment, merge (``merged_into_id``),
  and the :class:`Project` it became (``project_id``).
- :class:`Project` — on the ballot of one budget: translated ``title``/``description``,
  ``cost_cents``, ``position`` (the official order; voters see their own random order).
- :class:`Ballot` — one voter's choices in one budget. ``voter_key`` is an HMAC of the voter's
  identity (account or voting code) under a per-round secret (see ``pb.voting.codes``): it lets
  the database refuse a second ballot — ``UniqueConstraint(round_budget_id, voter_key)`` — but
  nothing in a ballot row names a person. ``slot`` ("district"/"citywide") with
  ``UniqueConstraint(round_id, voter_key, slot)`` keeps a voter to one district ballot per
  round. ``channel`` (:class:`Channel`), ``age_band`` (NULL when unknown, e.g. code voters),
  ``created_at``/``updated_at``, ``version``/``changes`` (a change updates the same row; the
  last one counts), ``receipt_hash``; paper ballots carry ``paper_batch``/``paper_row``;
  assisted ones ``assisted_session_id``.
- :class:`BallotChoice` — (``ballot_id``, ``project_id``, ``points``): 1 for approval and
  knapsack, the points given for cumulative. The tally reads these rows per budget.
- :class:`VotingCodeBatch`, :class:`VotingCode` — printed one-time codes (only a hash stored).
- :class:`AssistedSession` — staff helping one resident vote on a staff device: who, where,
  what was checked.
- :class:`PaperBallot`, :class:`PaperEntry` — double entry of paper ballots by two staff
  members, a third look on a mismatch, then a :class:`Ballot` with channel ``paper``.

Split by subject: ``rounds`` (rounds, budgets, projects), ``ideas``, ``ballots`` (ballots,
choices, voting codes), ``assisted`` and ``paper``; every model and enum is re-exported here
(Alembic and other domains import ``pb.voting.models``).
"""

from pb.voting.models.assisted import AssistedSession
from pb.voting.models.ballots import AGE_BANDS, Ballot, BallotChoice, Channel, VotingCode, VotingCodeBatch, age_band
from pb.voting.models.ideas import Idea, IdeaStatus
from pb.voting.models.paper import PaperBallot, PaperEntry, PaperStatus
from pb.voting.models.register import RegisterEntry
from pb.voting.models.rounds import (
    BallotFormat,
    BudgetRound,
    EligibilityMode,
    IdentityPolicy,
    Project,
    RoundBudget,
    RoundPhase,
    shuffled,
)

__all__ = [
    "AGE_BANDS",
    "AssistedSession",
    "Ballot",
    "BallotChoice",
    "BallotFormat",
    "BudgetRound",
    "Channel",
    "EligibilityMode",
    "Idea",
    "IdeaStatus",
    "IdentityPolicy",
    "PaperBallot",
    "PaperEntry",
    "PaperStatus",
    "Project",
    "RegisterEntry",
    "RoundBudget",
    "RoundPhase",
    "VotingCode",
    "VotingCodeBatch",
    "age_band",
    "shuffled",
]
