"""Paper ballots and the double entry of each sheet by two staff members."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import UTCDateTime, enum_type, utcnow


class PaperStatus(LabelledEnum):
    AWAITING_SECOND = "awaiting_second", _l("Waiting for the second entry")  # one entry so far
    # Two entries differ: a third staff member looks at the paper.
    MISMATCH = "mismatch", _l("Entries differ: needs a third look")
    COUNTED = "counted", _l("Counted")  # became a Ballot
    REFUSED = "refused", _l("Not counted")  # invalid or a duplicate; the reason is kept


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
