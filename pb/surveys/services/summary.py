"""What the impact pages and the reach dashboard read from surveys (pb.impact imports only this module).

:func:`survey_summaries` gives one :class:`SurveySummary` per survey, under the small-group rule of
:mod:`pb.surveys.services.results` (a survey with fewer answers than the minimum has ``answers``, ``mean`` and
its interval None). :func:`answer_counts_by` gives raw counts over all answers for the reach dashboard, which
applies the minimum itself.
"""

from dataclasses import dataclass

from sqlalchemy import func

from pb.agreements.models import HELSINKI
from pb.extensions import db
from pb.i18n import localized
from pb.surveys.models import SubjectKind, Survey, SurveyAnswer, SurveyPhase, SurveyState
from pb.surveys.services.results import survey_results
from pb.voting.services.turnout import is_shown

GROUP_COLUMNS = {
    "district": SurveyAnswer.district_id,
    "age_band": SurveyAnswer.age_band,
    "language": SurveyAnswer.language,
    "channel": SurveyAnswer.channel,
}


@dataclass(frozen=True)
class SurveySummary:
    survey_id: int
    title: str  # localized
    subject_kind: str  # "agreement" | "round"
    subject_id: int
    phase: str  # "before" | "after" | "single"
    answers: int | None  # None when withheld (fewer than the minimum)
    mean: float | None  # 0-100, None when withheld
    ci_low: float | None
    ci_high: float | None
    change: float | None  # after minus before (on the "after" summary), None if either withheld
    year: int  # year the survey opened


def survey_summaries(*, round_ids=None, agreement_ids=None, public_only=True) -> list[SurveySummary]:
    """Opened surveys (only closed ones, whose results are public, with ``public_only``), oldest first.

    ``round_ids`` / ``agreement_ids`` narrow to surveys of those rounds / agreements; given both, a survey of
    either is included.
    """
    states = [SurveyState.CLOSED] if public_only else [SurveyState.OPEN, SurveyState.CLOSED]
    query = db.select(Survey).where(Survey.state.in_(states), Survey.opened_at.is_not(None))
    subjects = []
    if round_ids is not None:
        subjects.append((Survey.subject_kind == SubjectKind.ROUND) & Survey.round_id.in_(list(round_ids)))
    if agreement_ids is not None:
        subjects.append((Survey.subject_kind == SubjectKind.AGREEMENT) & Survey.agreement_id.in_(list(agreement_ids)))
    if subjects:
        query = query.where(db.or_(*subjects))
    surveys = db.session.execute(query.order_by(Survey.opened_at, Survey.id)).scalars().all()
    return [_summary(survey) for survey in surveys]


def _summary(survey):
    results = survey_results(survey)
    figure = results["selected"]
    shown = is_shown(figure) and figure["answers"] > 0
    change = results["change"] if survey.phase is SurveyPhase.AFTER else None
    return SurveySummary(
        survey_id=survey.id,
        title=localized(survey.title),
        subject_kind=survey.subject_kind.value,
        subject_id=survey.subject_id,
        phase=survey.phase.value,
        answers=figure["answers"] if is_shown(figure) else None,
        mean=figure["mean"] if shown else None,
        ci_low=figure["ci_low"] if shown else None,
        ci_high=figure["ci_high"] if shown else None,
        change=change.change if change is not None else None,
        year=_helsinki_year(survey.opened_at),
    )


def _helsinki_year(moment):
    return moment.astimezone(HELSINKI).year


def answer_counts_by(group: str) -> dict:
    """{value or None: answers} over all answers; ``group`` is "district", "age_band", "language" or "channel".

    District values are district ids; channel values are "link" / "paper". Raw counts: the caller applies
    the small-group rule before showing them.
    """
    if group not in GROUP_COLUMNS:
        raise ValueError(f"unknown group {group!r}; one of {sorted(GROUP_COLUMNS)}")
    column = GROUP_COLUMNS[group]
    rows = db.session.execute(db.select(column, func.count(SurveyAnswer.id)).group_by(column)).all()
    return {(value.value if hasattr(value, "value") else value): count for value, count in rows}
