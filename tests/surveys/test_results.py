"""Group results: nothing for a group below the minimum, on the page, in CSV and JSON, and through filters;
complementary suppression; before/after change; the summary interface for the impact and reach pages."""

import csv
import io
import json

import pytest

from pb.extensions import db
from pb.surveys.services import surveys
from pb.surveys.services.results import protect_groups, survey_results
from pb.surveys.services.summary import SurveySummary, answer_counts_by, survey_summaries
from pb.voting.services.turnout import Withheld, is_shown
from tests.factories import make_district
from tests.surveys.support import add_answers, make_survey, staff_member, values

HIGH, LOW = values(5, 5, 5, 1), values(1, 1, 1, 5)  # scores 100 and 0


def closed(survey):
    surveys.close_survey(staff_member(), survey)
    db.session.commit()
    return survey


@pytest.fixture
def survey():
    """7 answers aged 30-44 (score 50), 3 aged 18-29 (score 100), 2 aged 65+ (score 0); 12 in all."""
    survey = make_survey()
    add_answers(survey, 7, age_band="30-44")
    add_answers(survey, 3, age_band="18-29", scores=[HIGH])
    add_answers(survey, 2, age_band="65+", scores=[LOW])
    return closed(survey)


def test_protect_groups_hides_small_groups_their_neighbour_and_small_unions():
    assert protect_groups({"a": 10, "b": 6}, 5) == {"a": 10, "b": 6}
    assert protect_groups({"a": 10, "b": 2, "c": 8}, 5) == {"a": 10, "b": Withheld(True, 5), "c": Withheld(False, 5)}
    # Two small groups hide each other, but together (1 + 2) they would still be a small group: one more goes.
    shown = protect_groups({"a": 20, "b": 1, "c": 2, "d": 9}, 5)
    assert [key for key, value in shown.items() if not is_shown(value)] == ["b", "c", "d"]
    assert protect_groups({"a": 3}, 5) is None


def test_the_page_shows_big_groups_only(client, survey):
    html = client.get(f"/surveys/results/{survey.id}").get_data(as_text=True)
    assert "Answers</dt><dd>12</dd>" in html
    results = survey_results(survey)
    ages = {group["key"]: group["figures"] for group in results["breakdowns"][1]["groups"]}
    assert ages["30-44"]["answers"] == 7 and ages["30-44"]["mean"] == 50
    assert ages["18-29"] == Withheld(True, 5) and ages["65+"] == Withheld(True, 5)
    assert "100" not in html.split("By age group")[1].split("</table>")[0]


def test_exports_hold_the_same_figures_and_never_a_small_group(client, survey):
    rows = list(csv.DictReader(io.StringIO(client.get(f"/surveys/results/{survey.id}.csv").get_data(as_text=True))))
    by_group = {(row["dimension"], row["group"]): row for row in rows}
    assert by_group[("all", "all")]["answers"] == "12"
    assert by_group[("age_band", "30-44")]["mean"] == "50.0"
    for small in ("18-29", "65+"):
        row = by_group[("age_band", small)]
        assert row["answers"] == "<5" and row["mean"] == "" and row["band_80_100"] == ""
    data = json.loads(client.get(f"/surveys/results/{survey.id}.json").get_data(as_text=True))
    assert data["minimum_group"] == 5
    groups = {(group["dimension"], group["group"]): group for group in data["groups"]}
    assert groups[("age_band", "18-29")] == {**{key: None for key in groups[("age_band", "18-29")]},
                                             "dimension": "age_band", "group": "18-29",
                                             "group_name": "18-29 years", "answers": "<5"}


def test_a_filter_that_narrows_below_the_minimum_shows_the_withheld_notice(client, survey):
    for path in (f"/surveys/results/{survey.id}?age_band=18-29", f"/surveys/results/{survey.id}?age_band=65%2B"):
        html = client.get(path).get_data(as_text=True)
        assert "Answers: fewer than 5." in html and "Mean score" not in html
    data = json.loads(client.get(f"/surveys/results/{survey.id}.json?age_band=18-29").get_data(as_text=True))
    assert data["groups"] == [{**dict.fromkeys(data["groups"][0]), "dimension": "age_band", "group": "18-29",
                               "group_name": "18-29 years", "answers": "<5"}]
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/surveys/results/{survey.id}.csv?age_band=65%2B").get_data(as_text=True))))
    assert [(row["answers"], row["mean"]) for row in rows] == [("<5", "")]
    shown = client.get(f"/surveys/results/{survey.id}?age_band=30-44").get_data(as_text=True)
    assert "Answers</dt><dd>7</dd>" in shown


def test_a_filter_cannot_reveal_a_group_by_subtraction():
    """District A has 6 answers, B has 2: B is small, so A is hidden too, and the filter on A is withheld as
    well (12 - 6 would give B). Two filters: the 30-44 group of district C leaves 1 answer of C outside it."""
    survey = make_survey()
    a, b, c = make_district("A"), make_district("B"), make_district("C")
    add_answers(survey, 6, district_id=a.id, age_band="30-44")
    add_answers(survey, 2, district_id=b.id, age_band="30-44")
    add_answers(survey, 9, district_id=c.id, age_band="30-44")
    add_answers(survey, 1, district_id=c.id, age_band="65+")
    districts = {group["key"]: group["figures"] for group in survey_results(survey)["breakdowns"][0]["groups"]}
    assert not is_shown(districts[str(a.id)]) and not is_shown(districts[str(b.id)])
    assert is_shown(districts[str(c.id)])
    assert not is_shown(survey_results(survey, {"district": str(a.id)})["selected"])
    assert is_shown(survey_results(survey, {"district": str(c.id)})["selected"])
    assert not is_shown(survey_results(survey, {"district": str(c.id), "age_band": "30-44"})["selected"])
    assert not is_shown(survey_results(survey, {"district": str(c.id), "age_band": "65+"})["selected"])
    # 17 of the 18 answers are aged 30-44: the total minus them would show the one answer aged 65+.
    assert not is_shown(survey_results(survey, {"age_band": "30-44"})["selected"])


def test_the_minimum_comes_from_the_configuration(app, survey):
    app.config["SURVEY_MIN_GROUP"] = 2
    try:
        ages = {g["key"]: g["figures"] for g in survey_results(survey)["breakdowns"][1]["groups"]}
        assert ages["65+"]["answers"] == 2 and ages["18-29"]["mean"] == 100
    finally:
        app.config["SURVEY_MIN_GROUP"] = 5


def test_too_few_answers_in_all_show_nothing_at_all():
    survey = make_survey()
    add_answers(survey, 4)
    closed(survey)
    results = survey_results(survey)
    assert results["selected"] == Withheld(True, 5) and results["breakdowns"] == []


def test_before_and_after_change_with_summaries():
    before = make_survey(phase="before")
    add_answers(before, 6)  # all 50
    add_answers(before, 2, scores=[HIGH])  # and two 100: mean 62.5
    closed(before)
    after = make_survey(phase="after", before=before)
    add_answers(after, 5, scores=[HIGH, values(4, 4, 4, 2)])  # 100, 75, 100, 75, 100: mean 90
    results = survey_results(after)
    assert results["change"].change == pytest.approx(27.5)
    assert results["change"].ci_low < 27.5 < results["change"].ci_high
    closed(after)
    summaries = survey_summaries(round_ids=[before.round_id])
    assert [s.phase for s in summaries] == ["before", "after"]
    first, second = summaries
    assert isinstance(second, SurveySummary)
    assert (first.answers, first.mean, first.change) == (8, 62.5, None)
    assert (second.answers, second.mean, second.change) == (5, 90, pytest.approx(27.5))
    assert second.subject_kind == "round" and second.subject_id == before.round_id and second.title == "Survey"
    assert second.year == after.opened_at.year
    assert survey_summaries(agreement_ids=[before.round_id]) == []


def test_summaries_withhold_small_surveys_and_hide_open_ones_from_the_public():
    survey = make_survey()
    add_answers(survey, 3, language="sv")
    assert survey_summaries() == []
    summary, = survey_summaries(public_only=False)
    assert (summary.answers, summary.mean, summary.ci_low, summary.ci_high, summary.change) == (None,) * 5
    assert answer_counts_by("language") == {"sv": 3}
    assert answer_counts_by("channel") == {"link": 3}
    assert answer_counts_by("age_band") == {None: 3}
    with pytest.raises(ValueError):
        answer_counts_by("user")
