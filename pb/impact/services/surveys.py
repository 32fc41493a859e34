"""Experience survey results on the impact pages, read from :mod:`pb.surveys` (group level only).

A summary whose group has too few answers comes with ``answers`` or ``mean`` None (withheld by the
surveys domain): the impact pages and files show that it is withheld and never any of its numbers.
"""

from dataclasses import dataclass


def load_summaries(*, round_ids, agreement_ids):
    """The surveys domain's public summaries of the given subjects (tests replace this function)."""
    from pb.surveys.services.summary import survey_summaries

    return survey_summaries(round_ids=round_ids, agreement_ids=agreement_ids, public_only=True)


@dataclass(frozen=True)
class SurveyRow:
    """One survey group as the impact pages show it; the numbers are None when ``withheld``."""

    survey_id: int
    title: str
    subject_kind: str
    subject_id: int
    phase: str
    year: int
    withheld: bool
    answers: int | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    change: float | None


def survey_rows(*, round_ids=(), agreement_ids=()):
    """Survey results of these rounds and agreements, by subject, survey and phase (before, after, single)."""
    round_ids, agreement_ids = sorted(set(round_ids)), sorted(set(agreement_ids))
    if not round_ids and not agreement_ids:
        return []
    phase_order = {"before": 0, "after": 1, "single": 2}
    rows = []
    for summary in load_summaries(round_ids=round_ids, agreement_ids=agreement_ids):
        allowed = agreement_ids if summary.subject_kind == "agreement" else round_ids
        if summary.subject_id not in allowed:
            continue
        withheld = summary.answers is None or summary.mean is None
        rows.append(SurveyRow(
            survey_id=summary.survey_id, title=summary.title, subject_kind=summary.subject_kind,
            subject_id=summary.subject_id, phase=summary.phase, year=summary.year, withheld=withheld,
            answers=None if withheld else summary.answers,
            mean=None if withheld else summary.mean,
            ci_low=None if withheld else summary.ci_low,
            ci_high=None if withheld else summary.ci_high,
            change=None if withheld else summary.change,
        ))
    rows.sort(key=lambda row: (row.subject_kind, row.subject_id, row.survey_id, phase_order.get(row.phase, 3)))
    return rows
