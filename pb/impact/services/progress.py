"""What the impact figures share: where a funded activity or project is now, counted by stage, and the year
an activity or project counts in (Finnish time)."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from pb.enums import LabelledEnum

HELSINKI = ZoneInfo("Europe/Helsinki")


class Progress(LabelledEnum):
    """Where a funded activity or project is now."""

    DONE = "done", _l("Done")
    IN_PROGRESS = "in_progress", _l("In progress")
    LATE = "late", _l("Late")
    NOT_STARTED = "not_started", _l("Not started yet")
    CANCELLED = "cancelled", _l("Cancelled")


@dataclass
class ProgressCounts:
    done: int = 0
    in_progress: int = 0
    late: int = 0
    not_started: int = 0
    cancelled: int = 0

    def count(self, progress):
        setattr(self, progress.value, getattr(self, progress.value) + 1)

    def add(self, other):
        for progress in Progress:
            setattr(self, progress.value, getattr(self, progress.value) + getattr(other, progress.value))

    def items(self):
        """[(Progress, count)] in the enum's order."""
        return [(progress, getattr(self, progress.value)) for progress in Progress]

    @property
    def total(self):
        return sum(count for _progress, count in self.items())


def year_of(*moments):
    """The year of the first of ``moments`` that is known (a date, or a datetime read in Finnish time), or None."""
    for moment in moments:
        if moment is None:
            continue
        if hasattr(moment, "astimezone") and getattr(moment, "tzinfo", None) is not None:
            return moment.astimezone(HELSINKI).year
        return moment.year
    return None
