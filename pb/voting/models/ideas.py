"""Residents' ideas and their staff assessment."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import TimestampMixin, UTCDateTime, enum_type


class IdeaStatus(LabelledEnum):
    SUBMITTED = "submitted", _l("Waiting for assessment")
    FEASIBLE = "feasible", _l("Possible to carry out")
    NOT_FEASIBLE = "not_feasible", _l("Not possible to carry out")
    MERGED = "merged", _l("Combined with a similar idea")  # a duplicate, merged into another idea
    ON_BALLOT = "on_ballot", _l("On the ballot")  # published as a project


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
