"""Implementation records of funded PB projects, their public timeline updates and their followers.

- :class:`ProjectImplementation` — one per project funded by a published tally
  (``uq_implementations_project_id``), created when the result is published
  (:mod:`pb.implementation.services.records`). Responsible unit, status (a cancelled project has a
  public reason), progress 0–100 %, planned and actual cost (integer cents) and dates.
- :class:`ImplementationUpdate` — a public timeline entry: translated text, an optional photo stored
  by :mod:`pb.uploads` (PNG or JPEG, no metadata) with its translated alternative text.
- :class:`ProjectFollower` — a resident who gets a mail on each update (personal data:
  :mod:`pb.implementation.personal_data`).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_today():
    """Today in Finland: a project is late from the day after its planned end, Finnish time."""
    return datetime.now(HELSINKI).date()


class ImplementationStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Cancelled")

    @property
    def is_closed(self):
        return self in (ImplementationStatus.DONE, ImplementationStatus.CANCELLED)


class ProjectImplementation(TimestampMixin, db.Model):
    __tablename__ = "implementations"
    __table_args__ = (
        UniqueConstraint("project_id"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("planned_cost_cents >= 0", name="planned_cost_not_negative"),
        CheckConstraint("actual_cost_cents IS NULL OR actual_cost_cents >= 0", name="actual_cost_not_negative"),
        CheckConstraint(
            "planned_start IS NULL OR planned_end IS NULL OR planned_end >= planned_start", name="planned_dates_order"
        ),
        CheckConstraint(
            "actual_start IS NULL OR actual_end IS NULL OR actual_end >= actual_start", name="actual_dates_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    # The published result that funded the project.
    tally_run_id: Mapped[int] = mapped_column(ForeignKey("tally_runs.id"), index=True)
    responsible_unit: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ImplementationStatus] = mapped_column(
        enum_type(ImplementationStatus), default=ImplementationStatus.PLANNED, index=True
    )
    # Public, translated ({"fi": ..., "sv": ..., "en": ...}); set only while the project is cancelled.
    cancel_reason: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[int] = mapped_column(default=0)
    planned_cost_cents: Mapped[int] = mapped_column(BigInteger)
    actual_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)

    project = relationship("Project")
    tally_run = relationship("TallyRun")
    updates = relationship(
        "ImplementationUpdate", back_populates="implementation", order_by="ImplementationUpdate.id.desc()"
    )
    followers = relationship("ProjectFollower", back_populates="implementation", order_by="ProjectFollower.id")

    @property
    def title(self):
        return self.project.title

    @property
    def display_title(self):
        return localized(self.project.title)

    def is_late(self, today=None):
        """The planned end has passed and the project is neither done nor cancelled."""
        if self.planned_end is None or self.status.is_closed:
            return False
        return self.planned_end < (today or helsinki_today())

    def can_view(self, user):
        return self.project.budget.round.can_view(user)

    def can_manage(self, user):
        return user.is_authenticated and user.is_staff

    def can_follow(self, user):
        return user.is_authenticated and user.is_verified and user.is_active

    def __repr__(self):
        return f"<ProjectImplementation {self.id} project={self.project_id} {self.status}>"


class ImplementationUpdate(db.Model):
    __tablename__ = "implementation_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("implementations.id"), index=True)
    text: Mapped[dict] = mapped_column(JSON)
    # An optional photo stored by pb.uploads (PNG or JPEG, re-encoded without metadata), with its
    # translated alternative text for people who cannot see it.
    photo_stored_name: Mapped[str | None] = mapped_column(String(64))
    photo_content_type: Mapped[str | None] = mapped_column(String(40))
    photo_alt: Mapped[dict] = mapped_column(JSON, default=dict)
    # The status and progress the update was posted with, for the timeline.
    status: Mapped[ImplementationStatus] = mapped_column(enum_type(ImplementationStatus))
    progress: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    implementation = relationship("ProjectImplementation", back_populates="updates")
    created_by = relationship("User")

    @property
    def has_photo(self):
        return self.photo_stored_name is not None

    @property
    def photo_extension(self):
        return "png" if self.photo_content_type == "image/png" else "jpg"


class ProjectFollower(db.Model):
    __tablename__ = "implementation_followers"
    __table_args__ = (UniqueConstraint("implementation_id", "user_id", name="uq_implementation_follower"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("implementations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    implementation = relationship("ProjectImplementation", back_populates="followers")
    user = relationship("User")
