"""CSV and JSON files of a survey's group results: exactly the figures of the results page, under the same
small-group rule (a withheld figure is written "<5", or "hidden" next to a small group; never its number)."""

import io
import json

from pb.i18n import localized
from pb.spreadsheet import writer
from pb.surveys.services.results import BANDS, band_label, survey_results
from pb.voting.services.turnout import is_shown

COLUMNS = ("dimension", "group", "group_name", "answers", "mean", "ci_low", "ci_high",
           *(f"band_{low}_{high}" for low, high in BANDS), "change", "change_ci_low", "change_ci_high")


def _number(value):
    return None if value is None else round(value, 2)


def _record(dimension, key, name, figure, change):
    row = dict.fromkeys(COLUMNS)
    row.update(dimension=dimension, group=key, group_name=name)
    if not is_shown(figure):
        row["answers"] = figure.as_data()
        return row
    row.update(answers=figure["answers"], mean=_number(figure["mean"]), ci_low=_number(figure["ci_low"]),
               ci_high=_number(figure["ci_high"]))
    for (low, high), count in zip(BANDS, figure["bands"], strict=True):
        row[f"band_{low}_{high}"] = count
    if change is not None:
        row.update(change=_number(change.change), change_ci_low=_number(change.ci_low),
                   change_ci_high=_number(change.ci_high))
    return row


def result_records(results):
    filters = results["filters"]
    dimension = "+".join(filters) if filters else "all"
    key = "+".join(filters.values()) if filters else "all"
    name = ", ".join(str(label) for label in results["filter_labels"].values()) if filters else "all answers"
    records = [_record(dimension, key, name, results["selected"], results["change"])]
    for breakdown in results["breakdowns"]:
        for group in breakdown["groups"]:
            records.append(_record(breakdown["dimension"], group["key"], str(group["label"]), group["figures"],
                                   group["change"]))
    return records


def results_csv(survey, filters=None):
    stream = io.StringIO()
    out = writer(stream)
    out.writerow(COLUMNS)
    for record in result_records(survey_results(survey, filters)):
        out.writerow(["" if record[column] is None else record[column] for column in COLUMNS])
    return stream.getvalue()


def results_json(survey, filters=None):
    results = survey_results(survey, filters)
    return json.dumps({
        "survey": {
            "id": survey.id, "title": survey.title, "instrument": {"id": survey.instrument.key,
                                                                   "version": survey.instrument.version,
                                                                   "name": localized(survey.instrument.name),
                                                                   "test_instrument": survey.instrument.is_test},
            "subject_kind": survey.subject_kind.value, "subject_id": survey.subject_id, "phase": survey.phase.value,
            "before_id": survey.before_id, "state": survey.state.value,
        },
        "minimum_group": results["minimum"],
        "filters": results["filters"],
        "score": "0-100: the mean of the answered items rescaled from the response scale, reversed items flipped",
        "bands": [band_label(index) for index in range(len(BANDS))],
        "groups": result_records(results),
    }, ensure_ascii=False, indent=2)
