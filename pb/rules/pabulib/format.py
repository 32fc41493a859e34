"""What the pabulib format fixes, for the reader and the writer alike: the sections, the
META keys that are mandatory, whole numbers or computed, the largest amount, the error
raised for a malformed file, and what counts as an absent field."""

from __future__ import annotations

SECTIONS = ("meta", "projects", "votes")
#: META keys that pabulib requires in every file.
MANDATORY_META = (
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
)
#: META keys that must hold whole numbers when present.
INTEGER_META = (
    "min_length",
    "max_length",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "min_project_score_threshold",
)
#: Written from the instance itself, never copied from ``meta``.
COMPUTED_META = ("num_projects", "num_votes", "budget", "vote_type")
# Amounts above this many minor units would overflow int64 sums over many projects.
MAX_AMOUNT = 10**15


class PabulibError(ValueError):
    """A malformed pabulib file. ``line`` is the 1-based line number, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line
        self.reason = message


def absent(value: str) -> bool:
    """An empty field, or ``none`` in any case: pabulib's way of leaving a value out."""
    stripped = value.strip()
    return not stripped or stripped.lower() == "none"
