"""Population figures: how many residents live in each district, by age band, in a year (staff enter them).

The reach dashboard (``pb.impact.services.reach``) compares the people who took part with these
figures. One row per year, district and age band (``pb.voting.models.AGE_BANDS`` labels); a missing
row means "not known", never zero.
"""

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.models_base import TimestampMixin


class PopulationFigure(TimestampMixin, db.Model):
    __tablename__ = "population_figures"
    __table_args__ = (
        UniqueConstraint("year", "district_id", "age_band"),
        CheckConstraint("residents >= 0", name="residents_not_negative"),
        CheckConstraint("year BETWEEN 1900 AND 2200", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    age_band: Mapped[str] = mapped_column(String(10))
    residents: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    district = relationship("District")

    def __repr__(self):
        return f"<PopulationFigure {self.year} district={self.district_id} {self.age_band}: {self.residents}>"
