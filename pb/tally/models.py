"""Tally results: one immutable row per computation, and the "what if" outcomes of other rules.

A :class:`TallyRun` is written once, by the tally job, in one transaction, and never changed
afterwards except to publish it. The database keeps the invariants:

- ``uq_tally_run_inputs``: the same ballots, costs, budget and rule (one ``inputs_hash``) give
  one run per budget, however often the job runs;
- ``uq_tally_run_published``: ``published_budget_id`` is set to the budget's id when the run is
  published, and is unique, so a budget has at most one published result and a published
  result is never replaced by another run;
- an ORM check (:func:`_refuse_changes`) refuses any UPDATE of a run other than publishing it
  once.
"""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.models_base import UTCDateTime, utcnow

PUBLICATION_COLUMNS = ("published_at", "published_by_id", "published_budget_id")


class ImmutableTallyRun(RuntimeError):
    """Something tried to change a stored tally result."""


class TallyRun(db.Model):
    __tablename__ = "tally_runs"
    __table_args__ = (
        UniqueConstraint("round_budget_id", "inputs_hash", "rule", name="uq_tally_run_inputs"),
        UniqueConstraint("published_budget_id", name="uq_tally_run_published"),
        CheckConstraint(
            "published_budget_id IS NULL OR published_budget_id = round_budget_id", name="tally_run_published_own"
        ),
        CheckConstraint("(published_at IS NULL) = (published_budget_id IS NULL)", name="tally_run_published_both"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_budget_id: Mapped[int] = mapped_column(ForeignKey("round_budgets.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[int | None]
    # sha256 of the canonical inputs (pb.tally.services.inputs.canonical_inputs): ballots, costs, budget, rule.
    inputs_hash: Mapped[str] = mapped_column(String(64))
    vote_type: Mapped[str] = mapped_column(String(20))
    ballot_count: Mapped[int]
    # pb.rules Outcome.as_dict(): selected projects, per-project numbers and reasons.
    # Deferred: pages serve the result from their cache and need these only to render it once.
    outcome: Mapped[dict] = mapped_column(JSON, deferred=True)
    # What the result pages need besides the outcome, as it was at counting time:
    # {"titles": {project id: {"fi": ...}}, "turnout": {...}}.
    details: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    software_version: Mapped[str] = mapped_column(String(30))
    job_id: Mapped[str | None] = mapped_column(String(120))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_budget_id: Mapped[int | None] = mapped_column(ForeignKey("round_budgets.id"))

    budget = relationship("RoundBudget", foreign_keys=[round_budget_id])
    started_by = relationship("User", foreign_keys=[started_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])
    what_ifs = relationship("WhatIfOutcome", back_populates="tally_run", order_by="WhatIfOutcome.id")

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def selected_ids(self):
        return list(self.outcome["selected"])

    @property
    def project_results(self):
        return self.outcome["projects"]

    def title_of(self, project_id):
        """The project's title dict as it was when counted (for the ``localized`` filter)."""
        return self.details.get("titles", {}).get(str(project_id), {"fi": str(project_id)})

    def can_view(self, user):
        """Published results are public; unpublished ones are staff previews."""
        return self.is_published or (user.is_authenticated and user.is_staff)

    def can_publish(self, user):
        return user.is_authenticated and user.is_staff and not self.is_published

    def __repr__(self):
        return f"<TallyRun {self.id} budget={self.round_budget_id} {self.rule} {self.inputs_hash[:8]}>"


class WhatIfOutcome(db.Model):
    """The outcome a published run's ballots would have had under another rule. Not official."""

    __tablename__ = "tally_what_ifs"
    __table_args__ = (UniqueConstraint("tally_run_id", "rule", name="uq_tally_what_if_rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tally_run_id: Mapped[int] = mapped_column(ForeignKey("tally_runs.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    # None when the rule cannot count these ballots; ``unavailable`` then says why (e.g. "too_large").
    outcome: Mapped[dict | None] = mapped_column(JSON)
    unavailable: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tally_run = relationship("TallyRun", back_populates="what_ifs")


@event.listens_for(TallyRun, "before_update")
def _refuse_changes(mapper, connection, run):
    """Only publication may change a stored run, and only once."""
    state = inspect(run)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    outcome_columns = changed - set(PUBLICATION_COLUMNS) - {"budget", "started_by", "published_by", "what_ifs"}
    if outcome_columns:
        raise ImmutableTallyRun(f"a stored tally run cannot be changed ({', '.join(sorted(outcome_columns))})")
    previously_published = any(value is not None for value in state.attrs.published_at.history.deleted)
    if changed & set(PUBLICATION_COLUMNS) and previously_published:
        raise ImmutableTallyRun("a published tally run cannot be changed")


@event.listens_for(WhatIfOutcome, "before_update")
def _refuse_what_if_changes(mapper, connection, what_if):
    raise ImmutableTallyRun("a stored what-if outcome cannot be changed")
