"""How far an agreement's indicator is from its target: the latest accepted value against the target, by kind.

- count, share and scale: the target (and baseline) are read as numbers. The target is met when the
  value reaches it, in the direction from the baseline to the target (a target below the baseline is
  met by going down to it). Not met yet, but moved from the baseline towards the target while the
  agreement still runs: on track. Otherwise (no movement, no baseline to compare with, or the
  agreement closed without reaching it): not met.
- yes or no: met when the value is the target's answer ("yes" when the target says nothing clear).
- text, or a target that is not a number: cannot be compared.
- no accepted report with a value yet: not reported.
"""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from pb.agreements.models import IndicatorKind
from pb.enums import LabelledEnum


class Attainment(LabelledEnum):
    MET = "met", _l("Target met")
    ON_TRACK = "on_track", _l("On track")
    NOT_MET = "not_met", _l("Not on track")
    NOT_REPORTED = "not_reported", _l("No accepted value yet")
    NOT_COMPARABLE = "not_comparable", _l("Cannot be compared with the target")

    @property
    def is_good(self):
        """Counted in "met or on track"."""
        return self in (Attainment.MET, Attainment.ON_TRACK)


_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_YES = {"yes", "kyllä", "kylla", "ja", "true", "1"}
_NO = {"no", "ei", "nej", "false", "0"}


def as_number(text):
    """The first number in ``text`` ("150 henkeä", "60 %", "4,5"), or None."""
    match = _NUMBER.search(str(text or "").replace("\u00a0", "").replace(" ", ""))
    if match is None:
        return None
    try:
        return Decimal(match.group().replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        return None


def _yes_no(text):
    word = str(text or "").strip().lower()
    if word in _YES:
        return "yes"
    if word in _NO:
        return "no"
    return None


def judge(indicator, value, running):
    """The :class:`Attainment` of ``indicator`` with latest accepted ``value`` (text, None when none);
    ``running``: the agreement is in force and not closed yet."""
    if value is None or str(value).strip() == "":
        return Attainment.NOT_REPORTED
    kind = indicator.kind
    if kind is IndicatorKind.TEXT:
        return Attainment.NOT_COMPARABLE
    if kind is IndicatorKind.YES_NO:
        wanted = _yes_no(indicator.target) or "yes"
        return Attainment.MET if _yes_no(value) == wanted else Attainment.NOT_MET
    target, current = as_number(indicator.target), as_number(value)
    if target is None or current is None:
        return Attainment.NOT_COMPARABLE
    baseline = as_number(indicator.baseline)
    downwards = baseline is not None and target < baseline
    if (current <= target) if downwards else (current >= target):
        return Attainment.MET
    if running and baseline is not None and ((current < baseline) if downwards else (current > baseline)):
        return Attainment.ON_TRACK
    return Attainment.NOT_MET
