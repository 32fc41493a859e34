"""Assisted voting sessions: staff helping one resident vote on a staff device."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.models_base import UTCDateTime, utcnow


class AssistedSession(db.Model):
    """Staff help one resident vote on a staff device at a pop-up point or service point."""

    __tablename__ = "assisted_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    location: Mapped[str] = mapped_column(String(200))
    # What staff checked from an identity document; the document itself is not recorded (its identity
    # code only as the round's keyed voter key).
    age_checked: Mapped[bool] = mapped_column(default=False)
    residence_checked: Mapped[bool] = mapped_column(default=False)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    age_band: Mapped[str | None] = mapped_column(String(10))
    # What the resident brought besides the document ("document", "account" or "code"), and the key
    # their ballots use: the person's own when staff recorded the identity code from the document.
    identified_by: Mapped[str] = mapped_column(String(10))
    voter_key: Mapped[str] = mapped_column(String(64))
    identity_verified: Mapped[bool] = mapped_column(default=False)
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
