"""Ballots and their choices, the channels they come by, and printed one-time voting codes."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import UTCDateTime, enum_type, utcnow


class Channel(LabelledEnum):
    ONLINE = "online", _l("Online")
    ASSISTED = "assisted", _l("With help from staff")
    PAPER = "paper", _l("Paper ballot")


# (label, lowest age, highest age); the last band has no upper end.
AGE_BANDS = (("12-17", 12, 17), ("18-29", 18, 29), ("30-44", 30, 44), ("45-64", 45, 64), ("65+", 65, 200))


def age_band(birth_year, year):
    """The band of someone born in ``birth_year`` by the end of ``year``; None if unknown or younger."""
    if birth_year is None:
        return None
    age = year - birth_year
    return next((label for label, low, high in AGE_BANDS if low <= age <= high), None)


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
    # The language the voter used the ballot page in (fi, sv, en): for the reach of each language.
    # None where staff entered it (paper, or a session whose language was not recorded).
    language: Mapped[str | None] = mapped_column(String(5))
    # The voter's identity was verified (identity document, electronic identification or a code
    # letter sent to a person on the register); False for self-declared voters of low-threshold
    # rounds; None when unknown (ballots imported from another election's file).
    identity_verified: Mapped[bool | None] = mapped_column(default=False)
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
    # A code letter made from the register for one person: its ballots are that person's
    # (pb.voting.models.register), whichever channel brings the code.
    bound_voter_key: Mapped[str | None] = mapped_column(String(64))
    # The voter key its ballots were cast under (the code's own, or the person's it was used by).
    voter_key: Mapped[str | None] = mapped_column(String(64))

    batch = relationship("VotingCodeBatch", back_populates="codes")
