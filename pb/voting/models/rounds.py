"""Rounds, their budgets and the projects on each budget's ballot, with the round's state enums."""

import random
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow
from pb.voting.rule_texts import rule_name


class RoundPhase(LabelledEnum):
    DRAFT = "draft", _l("Draft")  # staff only
    IDEA_COLLECTION = "idea_collection", _l("Collecting ideas")
    CO_DEVELOPMENT = "co_development", _l("Developing ideas together")
    COST_ESTIMATION = "cost_estimation", _l("Estimating costs")
    VOTING = "voting", _l("Voting")
    RESULTS = "results", _l("Results")
    IMPLEMENTATION = "implementation", _l("Carrying out the projects")

    @property
    def order(self):
        return list(RoundPhase).index(self)

    @property
    def next(self):
        phases = list(RoundPhase)
        return phases[self.order + 1] if self.order + 1 < len(phases) else None


class BallotFormat(LabelledEnum):
    APPROVAL = "approval", _l("Choose up to a number of projects")  # choose up to k projects
    KNAPSACK = "knapsack", _l("Choose projects that fit the budget")  # choose projects whose costs fit the budget
    CUMULATIVE = "cumulative", _l("Share points between projects")  # distribute N points

    @property
    def pabulib_vote_type(self):
        """The pabulib ``vote_type`` of these ballots (knapsack ballots are approval ballots)."""
        return "cumulative" if self is BallotFormat.CUMULATIVE else "approval"


class EligibilityMode(LabelledEnum):
    OWN_DISTRICT = "own_district", _l("Only in their own district")
    OWN_PLUS_CITYWIDE = "own_plus_citywide", _l("In their own district and city-wide")
    ANY_ONE_DISTRICT = "any_one_district", _l("In any one district they choose")


class IdentityPolicy(LabelledEnum):
    """Whose ballots count: only verified identities, or also voters who declare their own details."""

    VERIFIED = "verified", _l("Only voters whose identity is verified")
    SELF_DECLARED = "self_declared", _l("Also voters who declare their own age and district (low threshold)")


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
    # Paper sheets may still be entered until then (the round stays in voting); None = voting_closes_at.
    paper_entry_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Voting ended early by staff: when, why (public) and the closing time that had been announced.
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_early_reason: Mapped[str | None] = mapped_column(Text)
    announced_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Voting reopened after closing (the undo): when and why (public); the new end is voting_closes_at.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    ballot_format: Mapped[BallotFormat] = mapped_column(enum_type(BallotFormat), default=BallotFormat.APPROVAL)
    max_choices: Mapped[int | None]  # k, approval ballots
    points: Mapped[int | None]  # N, cumulative ballots
    rule: Mapped[str] = mapped_column(String(60), default="greedy")
    rule_threshold: Mapped[int | None]  # greedy-threshold only
    min_age: Mapped[int] = mapped_column(default=12)  # turning this age (or older) this year
    eligibility: Mapped[EligibilityMode] = mapped_column(
        enum_type(EligibilityMode), default=EligibilityMode.OWN_DISTRICT
    )
    identity_policy: Mapped[IdentityPolicy] = mapped_column(
        enum_type(IdentityPolicy), default=IdentityPolicy.SELF_DECLARED
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
    def rule_label(self):
        """The counting rule's plain name in the reader's language."""
        return rule_name(self.rule)

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

    @property
    def phase_ends_at(self):
        """When voting's phase ends by the schedule: the end of paper entry if later, else the closing time."""
        if self.paper_entry_until is not None and self.voting_closes_at is not None:
            return max(self.paper_entry_until, self.voting_closes_at)
        return self.voting_closes_at

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
        return _("City-wide") if self.district is None else self.district.display_name

    def __repr__(self):
        return f"<RoundBudget {self.id} round={self.round_id} district={self.district_id}>"


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
