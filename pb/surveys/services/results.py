"""Group results of a survey: answers, score distribution and mean with its 95 % interval, by background group,
and the change from the "before" survey; the same figures for the pages, CSV and JSON.

The small-group rule (``SURVEY_MIN_GROUP``, env ``PB_SURVEY_MIN_GROUP``, default 5) applies to everyone, staff
included, because answers are anonymous: a group of fewer answers shows nothing but "fewer than 5". A
breakdown is protected by :func:`pb.voting.services.turnout.protect_breakdown` (a small group and, so that the
total minus the shown groups cannot reveal it, the next smallest), and then by :func:`protect_groups`, which
also hides groups until the hidden ones together are not a small group either (their count and mean could
otherwise be worked out from the total). A filtered view (district, age band, language, channel) is shown
only if it is a group shown in the protected breakdown of every view with one filter less: so no filter
reveals what a breakdown hides, and the view's complement within any coarser view is never a small group.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from pb.districts.models import District
from pb.extensions import db
from pb.i18n import LANGUAGE_NAMES, localized
from pb.surveys.models import AnswerChannel, SurveyAnswer
from pb.surveys.services.answers import AGE_BAND_LABELS
from pb.surveys.services.statistics import mean_with_ci, welch_difference
from pb.voting.services.turnout import Withheld, is_shown, protect_breakdown, too_few

DIMENSIONS = ("district", "age_band", "language", "channel")
BANDS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))
NOT_GIVEN = "none"  # the key of "prefer not to say" in filters and files


def minimum_group():
    return current_app.config["SURVEY_MIN_GROUP"]


def dimension_label(dimension):
    return {"district": _("District"), "age_band": _("Age group"), "language": _("Language of the answer"),
            "channel": _("How the answer came")}[dimension]


@dataclass(frozen=True)
class Row:
    score: float
    district: str
    age_band: str
    language: str
    channel: str


def answer_rows(survey):
    rows = db.session.execute(
        db.select(SurveyAnswer.score, SurveyAnswer.district_id, SurveyAnswer.age_band, SurveyAnswer.language,
                  SurveyAnswer.channel).where(SurveyAnswer.survey_id == survey.id)
    ).all()
    return [Row(score, _key(district), _key(age), _key(language), _key(channel))
            for score, district, age, language, channel in rows]


def _key(value):
    return NOT_GIVEN if value is None else str(value)


def group_labels(dimension, keys=()):
    """{key: label} for a dimension's groups (all possible ones, plus any key seen)."""
    if dimension == "district":
        labels = {str(d.id): localized(d.name) for d in db.session.execute(db.select(District)).scalars()}
    elif dimension == "age_band":
        labels = {band: _("%(band)s years", band=band) for band in AGE_BAND_LABELS}
    elif dimension == "language":
        labels = {code: LANGUAGE_NAMES.get(code, code) for code in current_app.config["LANGUAGES"]}
    else:
        labels = {channel.value: str(channel.label) for channel in AnswerChannel}
    if dimension != "channel":
        labels[NOT_GIVEN] = _("Not told")
    for key in keys:
        labels.setdefault(key, key)
    return labels


# --- the small-group rule -----------------------------------------------------------------------------


def protect_groups(counts, minimum, total=None):
    """``protect_breakdown`` and, on top of it: the hidden groups together are never a small group.

    Returns {group: count or Withheld}, or None when the total itself is too small to break down.
    """
    shown = protect_breakdown(counts, minimum, total)
    if shown is None or not minimum:
        return shown
    shown = dict(shown)
    while True:
        hidden = [key for key, value in shown.items() if not is_shown(value)]
        hidden_total = sum(counts[key] for key in hidden)
        visible = [key for key, value in shown.items() if is_shown(value) and counts[key] > 0]
        if not too_few(hidden_total, minimum) or not visible:
            return shown
        smallest = min(visible, key=lambda key: (counts[key], list(counts).index(key)))
        shown[smallest] = Withheld(small=counts[smallest] < minimum, minimum=minimum)


def _matching(rows, filters):
    return [row for row in rows if all(getattr(row, dimension) == value for dimension, value in filters.items())]


def _counts(rows, dimension, keys):
    counts = dict.fromkeys(keys, 0)
    for row in rows:
        counts[getattr(row, dimension)] = counts.get(getattr(row, dimension), 0) + 1
    return counts


def view_is_shown(rows, filters, minimum, _memo=None):
    """Whether the view ``filters`` ({dimension: key}) of ``rows`` may be shown (see the module's docstring)."""
    memo = {} if _memo is None else _memo
    key = frozenset(filters.items())
    if key in memo:
        return memo[key]
    selected = _matching(rows, filters)
    result = not too_few(len(selected), minimum)
    for dimension, value in filters.items():
        if not result:
            break
        parent = {d: v for d, v in filters.items() if d != dimension}
        if not view_is_shown(rows, parent, minimum, memo):
            result = False
            break
        parent_rows = _matching(rows, parent)
        counts = _counts(parent_rows, dimension, group_labels(dimension))
        counts.setdefault(value, 0)
        protected = protect_groups(counts, minimum, len(parent_rows))
        result = protected is not None and is_shown(protected[value])
    memo[key] = result
    return result


# --- figures -----------------------------------------------------------------------------------------


def band_of(score):
    return min(int(score // 20), len(BANDS) - 1)


def figures(scores):
    """Answers, mean with its interval, and the distribution in five bands, of a group that may be shown."""
    summary = mean_with_ci(scores)
    bands = [0] * len(BANDS)
    for value in scores:
        bands[band_of(value)] += 1
    return {"answers": len(scores), "mean": summary.mean if summary else None,
            "ci_low": summary.ci_low if summary else None, "ci_high": summary.ci_high if summary else None,
            "bands": bands, "summary": summary}


def _group(rows, minimum, shown=True):
    if not shown or too_few(len(rows), minimum):
        return Withheld(small=len(rows) < (minimum or 0), minimum=minimum)
    return figures([row.score for row in rows])


def clean_filters(arguments):
    """The filters of a request's query string that name a dimension, as {dimension: key}."""
    return {dimension: str(arguments[dimension]) for dimension in DIMENSIONS if arguments.get(dimension)}


def survey_results(survey, filters=None, minimum=None):
    """Everything the results pages and exports show, under the small-group rule."""
    minimum = minimum_group() if minimum is None else minimum
    filters = dict(filters or {})
    rows = answer_rows(survey)
    before_rows = answer_rows(survey.before) if survey.before is not None else None
    shown = view_is_shown(rows, filters, minimum)
    selected = _group(_matching(rows, filters), minimum, shown)
    before = None
    if before_rows is not None:
        before = _group(_matching(before_rows, filters), minimum, view_is_shown(before_rows, filters, minimum))
    result = {
        "survey": survey, "minimum": minimum, "filters": filters, "selected": selected, "before": before,
        "change": _change(before, selected), "breakdowns": [],
        "filter_labels": {d: group_labels(d).get(v, v) for d, v in filters.items()},
    }
    if not filters and is_shown(selected):
        for dimension in DIMENSIONS:
            result["breakdowns"].append(_breakdown(rows, before_rows, dimension, minimum))
    return result


def _change(before, after):
    if before is None or not is_shown(before) or not is_shown(after):
        return None
    return welch_difference(before["summary"], after["summary"])


def _breakdown(rows, before_rows, dimension, minimum):
    labels = group_labels(dimension)
    counts = _counts(rows, dimension, labels)
    protected = protect_groups(counts, minimum, len(rows)) or {}
    before_protected = None
    if before_rows is not None:
        before_protected = protect_groups(_counts(before_rows, dimension, labels), minimum, len(before_rows)) or {}
    groups = []
    for key, count in counts.items():
        if count == 0 and (before_rows is None or not _matching(before_rows, {dimension: key})):
            continue  # nobody in this group: a row of zeros says nothing
        group_rows = _matching(rows, {dimension: key})
        figure = _group(group_rows, minimum, is_shown(protected.get(key, Withheld(True, minimum))))
        if count == 0:
            figure = {"answers": 0, "mean": None, "ci_low": None, "ci_high": None, "bands": [0] * len(BANDS),
                      "summary": None}
        before = None
        if before_protected is not None:
            before_group = _matching(before_rows, {dimension: key})
            before = _group(before_group, minimum, is_shown(before_protected.get(key, Withheld(True, minimum))))
        change = _change(before, figure) if is_shown(figure) and figure["summary"] is not None else None
        groups.append({"key": key, "label": labels.get(key, key), "figures": figure, "before": before,
                       "change": change})
    return {"dimension": dimension, "label": dimension_label(dimension), "groups": groups}


def band_label(index):
    low, high = BANDS[index]
    return f"{low}–{high}"
