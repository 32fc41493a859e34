"""Districts (alue / suurpiiri): neighbourhoods with a population, used for budgets and turnout."""

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin


class District(TimestampMixin, db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {"fi": ..., "sv": ..., "en": ...}; Finnish required, the others fall back to it.
    name: Mapped[dict] = mapped_column(JSON)
    population: Mapped[int | None]
    postal_codes: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def display_name(self):
        return localized(self.name)

    def __repr__(self):
        return f"<District {self.id} {self.name.get('fi')}>"
