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
"""

import enum
import random
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow


class RoundPhase(enum.StrEnum):
    DRAFT = "draft"  # staff only
    IDEA_COLLECTION = "idea_collection"
    CO_DEVELOPMENT = "co_development"
    COST_ESTIMATION = "cost_estimation"
    VOTING = "voting"
    RESULTS = "results"
    IMPLEMENTATION = "implementation"

    @property
    def label(self):
        return {
            RoundPhase.DRAFT: _l("Draft"),
            RoundPhase.IDEA_COLLECTION: _l("Collecting ideas"),
            RoundPhase.CO_DEVELOPMENT: _l("Developing ideas together"),
            RoundPhase.COST_ESTIMATION: _l("Estimating costs"),
            RoundPhase.VOTING: _l("Voting"),
            RoundPhase.RESULTS: _l("Results"),
            RoundPhase.IMPLEMENTATION: _l("Carrying out the projects"),
        }[self]

    @property
    def order(self):
        return list(RoundPhase).index(self)

    @property
    def next(self):
        phases = list(RoundPhase)
        return phases[self.order + 1] if self.order + 1 < len(phases) else None


class BallotFormat(enum.StrEnum):
    APPROVAL = "approval"  # choose up to k projects
    KNAPSACK = "knapsack"  # choose projects whose costs fit the budget
    CUMULATIVE = "cumulative"  # distribute N points

    @property
    def label(self):
        return {
            BallotFormat.APPROVAL: _l("Choose up to a number of projects"),
            BallotFormat.KNAPSACK: _l("Choose projects that fit the budget"),
            BallotFormat.CUMULATIVE: _l("Share points between projects"),
        }[self]

    @property
    def pabulib_vote_type(self):
        """The pabulib ``vote_type`` of these ballots (knapsack ballots are approval ballots)."""
        return "cumulative" if self is BallotFormat.CUMULATIVE else "approval"


class EligibilityMode(enum.StrEnum):
    OWN_DISTRICT = "own_district"
    OWN_PLUS_CITYWIDE = "own_plus_citywide"
    ANY_ONE_DISTRICT = "any_one_district"

    @property
    def label(self):
        return {
            EligibilityMode.OWN_DISTRICT: _l("Only in their own district"),
            EligibilityMode.OWN_PLUS_CITYWIDE: _l("In their own district and city-wide"),
            EligibilityMode.ANY_ONE_DISTRICT: _l("In any one district they choose"),
        }[self]


class Channel(enum.StrEnum):
    ONLINE = "online"
    ASSISTED = "assisted"
    PAPER = "paper"

    @property
    def label(self):
        return {
            Channel.ONLINE: _l("Online"),
            Channel.ASSISTED: _l("With help from staff"),
            Channel.PAPER: _l("Paper ballot"),
        }[self]


# (label, lowest age, highest age); the last band has no upper end.
AGE_BANDS = (("12-17", 12, 17), ("18-29", 18, 29), ("30-44", 30, 44), ("45-64", 45, 64), ("65+", 65, 200))


def age_band(birth_year, year):
    """The band of someone born in ``birth_year`` by the end of ``year``; None if unknown or younger."""
    if birth_year is None:
        return None
    age = year - birth_year
    return next((label for label, low, high in AGE_BANDS if low <= age <= high), None)


class BudgetRound(TimestampMixin, db.Model):
    __tablename__ = "budget_rounds"
    __table_args__ = (
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
        CheckConstraint("points IS NULL OR points >= 1", name="points_positive"),
        CheckConstraint("min_age BETWEEN 0 AND 120", name="min_age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    phase: Mapped[RoundPhase] = mapped_column(enum_type(RoundPhase), default=RoundPhase.DRAFT, index=True)
    # Planned start of each phase, shown to the public as the timetable.
    ideas_start: Mapped[date | None] = mapped_column(Date)
    co_development_start: Mapped[date | None] = mapped_column(Date)
    cost_estimation_start: Mapped[date | None] = mapped_column(Date)
    voting_start: Mapped[date | None] = mapped_column(Date)
    results_start: Mapped[date | None] = mapped_column(Date)
    implementation_start: Mapped[date | None] = mapped_column(Date)
    # The firm end of voting, checked against the server clock on every ballot.
    voting_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ballot_format: Mapped[BallotFormat] = mapped_column(enum_type(BallotFormat), default=BallotFormat.APPROVAL)
    max_choices: Mapped[int | None]  # k, approval ballots
    points: Mapped[int | None]  # N, cumulative ballots
    rule: Mapped[str] = mapped_column(String(60), default="greedy")
    rule_threshold: Mapped[int | None]  # greedy-threshold only
    min_age: Mapped[int] = mapped_column(default=12)  # turning this age (or older) this year
    eligibility: Mapped[EligibilityMode] = mapped_column(
        enum_type(EligibilityMode), default=EligibilityMode.OWN_DISTRICT
    )
    # Random, per round; with SECRET_KEY it keys voter_key and the code hashes (pb.voting.codes).
    key_salt: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    budgets = relationship(
        "RoundBudget", back_populates="round", cascade="all, delete-orphan", order_by="RoundBudget.id"
    )

    @property
    def display_name(self):
        return localized(self.name)

    @property
    def is_frozen(self):
        return self.frozen_at is not None

    def is_voting_open(self, now=None):
        now = now or utcnow()
        return (
            self.phase is RoundPhase.VOTING
            and self.frozen_at is not None
            and self.voting_closes_at is not None
            and now < self.voting_closes_at
        )

    def is_voting_over(self, now=None):
        """Voting happened and has ended (by the clock or because staff moved the round on)."""
        now = now or utcnow()
        if self.phase.order > RoundPhase.VOTING.order:
            return True
        return self.phase is RoundPhase.VOTING and self.voting_closes_at is not None and now >= self.voting_closes_at

    def accepts_ideas(self):
        return self.phase is RoundPhase.IDEA_COLLECTION

    def can_view(self, user):
        return self.phase is not RoundPhase.DRAFT or (user.is_authenticated and user.is_staff)

    def can_manage(self, user):
        return user.is_authenticated and user.is_staff

    def budget_for(self, district_id):
        return next((budget for budget in self.budgets if budget.district_id == district_id), None)

    @property
    def citywide_budget(self):
        return self.budget_for(None)

    @property
    def district_budgets(self):
        return [budget for budget in self.budgets if budget.district_id is not None]

    def __repr__(self):
        return f"<BudgetRound {self.id} {self.phase}>"


class RoundBudget(db.Model):
    __tablename__ = "round_budgets"
    __table_args__ = (
        UniqueConstraint("round_id", "district_id", name="uq_round_budget_district"),
        # NULLs are distinct in a unique constraint: a partial index allows one city-wide budget.
        Index(
            "uq_round_budget_citywide",
            "round_id",
            unique=True,
            sqlite_where=db.text("district_id IS NULL"),
            postgresql_where=db.text("district_id IS NULL"),
        ),
        CheckConstraint("amount_cents > 0", name="budget_amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    round = relationship("BudgetRound", back_populates="budgets")
    district = relationship("District")
    projects = relationship(
        "Project", back_populates="budget", cascade="all, delete-orphan", order_by="(Project.position, Project.id)"
    )

    @property
    def is_citywide(self):
        return self.district_id is None

    @property
    def display_name(self):
        from flask_babel import gettext as _

        return _("City-wide") if self.district is None else self.district.display_name

    def __repr__(self):
        return f"<RoundBudget {self.id} round={self.round_id} district={self.district_id}>"


class IdeaStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"
    MERGED = "merged"  # a duplicate, merged into another idea
    ON_BALLOT = "on_ballot"  # published as a project

    @property
    def label(self):
        return {
            IdeaStatus.SUBMITTED: _l("Waiting for assessment"),
            IdeaStatus.FEASIBLE: _l("Possible to carry out"),
            IdeaStatus.NOT_FEASIBLE: _l("Not possible to carry out"),
            IdeaStatus.MERGED: _l("Combined with a similar idea"),
            IdeaStatus.ON_BALLOT: _l("On the ballot"),
        }[self]


class Idea(TimestampMixin, db.Model):
    __tablename__ = "ideas"
    __table_args__ = (CheckConstraint("cost_estimate_cents IS NULL OR cost_estimate_cents >= 0", name="idea_cost_ok"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))  # NULL: city-wide
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    # An optional picture, stored by pb.uploads (PNG or JPEG only); its original file name is not kept.
    image_stored_name: Mapped[str | None] = mapped_column(String(64))
    image_content_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus), default=IdeaStatus.SUBMITTED, index=True)
    # Staff assessment; the reason is public.
    assessment_reason: Mapped[str] = mapped_column(Text, default="")
    cost_estimate_cents: Mapped[int | None] = mapped_column(BigInteger)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))

    round = relationship("BudgetRound")
    district = relationship("District")
    author = relationship("User", foreign_keys=[author_id])
    merged_into = relationship("Idea", remote_side=[id])
    project = relationship("Project", back_populates="ideas")


class Project(TimestampMixin, db.Model):
    __tablename__ = "projects"
    __table_args__ = (CheckConstraint("cost_cents > 0", name="project_cost_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_budget_id: Mapped[int] = mapped_column(ForeignKey("round_budgets.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(default=0)

    budget = relationship("RoundBudget", back_populates="projects")
    ideas = relationship("Idea", back_populates="project")

    @property
    def display_title(self):
        return localized(self.title)

    def __repr__(self):
        return f"<Project {self.id} budget={self.round_budget_id}>"


def shuffled(projects, seed):
    """``projects`` in the voter's own random order: the same seed always gives the same order."""
    ordered = sorted(projects, key=lambda project: project.id)
    random.Random(seed).shuffle(ordered)
    return ordered


class AssistedSession(db.Model):
    """Staff help one resident vote on a staff device at a pop-up point or service point."""

    __tablename__ = "assisted_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    location: Mapped[str] = mapped_column(String(200))
    # What staff checked from an identity document; the document itself is not recorded.
    age_checked: Mapped[bool] = mapped_column(default=False)
    residence_checked: Mapped[bool] = mapped_column(default=False)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    age_band: Mapped[str | None] = mapped_column(String(10))
    # How the resident was identified ("account" or "code"), and the key their ballots use.
    identified_by: Mapped[str] = mapped_column(String(10))
    voter_key: Mapped[str] = mapped_column(String(64))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("voting_codes.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round = relationship("BudgetRound")
    staff = relationship("User")
    district = relationship("District")

    @property
    def is_open(self):
        return self.closed_at is None

    def can_use(self, user):
        return user.is_authenticated and user.is_staff and user.id == self.staff_id and self.is_open


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        # One voter, one ballot per budget: the database refuses the second, whatever the code does.
        UniqueConstraint("round_budget_id", "voter_key", name="uq_ballot_voter_per_budget"),
        # One district ballot and one city-wide ballot per voter and round, in every eligibility mode.
        UniqueConstraint("round_id", "voter_key", "slot", name="uq_ballot_voter_slot"),
        UniqueConstraint("round_id", "paper_batch", "paper_row", name="uq_ballot_paper_position"),
        Index("ix_ballots_budget_channel", "round_budget_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    round_budget_id: Mapped[int] = mapped_column(ForeignKey("round_budgets.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    # "district" or "citywide": a voter has at most one district ballot and one city-wide ballot
    # per round, whichever district they vote in (uq_ballot_voter_slot). Imported rounds may use
    # one slot per budget ("budget:<id>"), as their voters are per budget anyway.
    slot: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    age_band: Mapped[str | None] = mapped_column(String(10))
    order_seed: Mapped[int] = mapped_column(BigInteger)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped on every change; a form carries the version it was shown with (a replay is refused).
    version: Mapped[int] = mapped_column(default=1)
    changes: Mapped[int] = mapped_column(default=0)
    paper_batch: Mapped[str | None] = mapped_column(String(40))
    paper_row: Mapped[int | None]
    assisted_session_id: Mapped[int | None] = mapped_column(ForeignKey("assisted_sessions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    budget = relationship("RoundBudget")
    assisted_session = relationship("AssistedSession")
    choices = relationship(
        "BallotChoice", back_populates="ballot", cascade="all, delete-orphan", order_by="BallotChoice.project_id"
    )

    def points_by_project(self):
        return {choice.project_id: choice.points for choice in self.choices}

    def __repr__(self):
        return f"<Ballot {self.id} budget={self.round_budget_id} {self.channel}>"


class BallotChoice(db.Model):
    __tablename__ = "ballot_choices"
    __table_args__ = (CheckConstraint("points >= 1", name="choice_points_positive"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True)
    points: Mapped[int] = mapped_column(default=1)

    ballot = relationship("Ballot", back_populates="choices")
    project = relationship("Project")


class VotingCodeBatch(db.Model):
    __tablename__ = "voting_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    # Letters go to one district's residents; NULL for pop-up points (the voter says where they live).
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    label: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round = relationship("BudgetRound")
    district = relationship("District")
    codes = relationship("VotingCode", back_populates="batch", cascade="all, delete-orphan")


class VotingCode(db.Model):
    __tablename__ = "voting_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("voting_code_batches.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    # Keyed hash of the code (pb.voting.codes.code_hash); the code itself is shown once, at printing.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The batch's district, or the one a pop-up voter declared when first using the code.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    batch = relationship("VotingCodeBatch", back_populates="codes")


class PaperStatus(enum.StrEnum):
    AWAITING_SECOND = "awaiting_second"  # one entry so far
    MISMATCH = "mismatch"  # two entries differ: a third staff member looks at the paper
    COUNTED = "counted"  # became a Ballot
    REFUSED = "refused"  # invalid or a duplicate; the reason is kept

    @property
    def label(self):
        return {
            PaperStatus.AWAITING_SECOND: _l("Waiting for the second entry"),
            PaperStatus.MISMATCH: _l("Entries differ: needs a third look"),
            PaperStatus.COUNTED: _l("Counted"),
            PaperStatus.REFUSED: _l("Not counted"),
        }[self]


class PaperBallot(db.Model):
    """One sheet of paper, identified by its batch and row, entered twice by different staff."""

    __tablename__ = "paper_ballots"
    __table_args__ = (UniqueConstraint("round_id", "batch", "row", name="uq_paper_ballot_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    batch: Mapped[str] = mapped_column(String(40))
    row: Mapped[int]
    status: Mapped[PaperStatus] = mapped_column(enum_type(PaperStatus), default=PaperStatus.AWAITING_SECOND)
    refusal_reason: Mapped[str | None] = mapped_column(String(40))
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round = relationship("BudgetRound")
    entries = relationship(
        "PaperEntry", back_populates="paper_ballot", cascade="all, delete-orphan", order_by="PaperEntry.position"
    )


class PaperEntry(db.Model):
    """What one staff member typed from a paper ballot (first, second or third look)."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        UniqueConstraint("paper_ballot_id", "position", name="uq_paper_entry_position"),
        # The second and third look must be someone else: the database refuses the same person twice.
        UniqueConstraint("paper_ballot_id", "entered_by_id", name="uq_paper_entry_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_ballot_id: Mapped[int] = mapped_column(ForeignKey("paper_ballots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1, 2, or 3 for the third look
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    round_budget_id: Mapped[int] = mapped_column(ForeignKey("round_budgets.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))  # the voting code printed on the sheet, hashed
    # {project_id (as text): points}
    choices: Mapped[dict] = mapped_column(JSON)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    paper_ballot = relationship("PaperBallot", back_populates="entries")
    entered_by = relationship("User")
    budget = relationship("RoundBudget")

    def same_as(self, other):
        return (
            self.round_budget_id == other.round_budget_id
            and self.code_hash == other.code_hash
            and self.choices == other.choices
        )
