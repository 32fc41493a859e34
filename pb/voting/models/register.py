"""The population-register extract of a round: the residents who may vote, by keyed identity only."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.models_base import UTCDateTime, utcnow


class RegisterEntry(db.Model):
    """One eligible resident from the municipality's register: never a name or an identity code.

    ``voter_key`` is the round's key of the person (``pb.voting.codes.person_voter_key``): the same key
    their ballots get on every channel, so the register, the ballots' unique constraint and every
    channel agree on who is one person, and the register of one round cannot be joined with another's.
    """

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("round_id", "voter_key", name="uq_register_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_rounds.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    birth_year: Mapped[int]
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    # The code letter made for this person at import, if any (its code is bound to this person).
    code_id: Mapped[int | None] = mapped_column(ForeignKey("voting_codes.id", ondelete="SET NULL"))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    district = relationship("District")
