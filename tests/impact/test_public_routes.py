"""The public impact pages and open data over HTTP: the numbers on the pages equal an independent count, the
files hold the same figures as the pages, drafts and unpublished items never appear, and no group withheld for
ballot or survey secrecy is shown."""

import csv
import io
import json
import re
from dataclasses import dataclass

import pytest

from pb.extensions import db
from pb.impact.services import figures as impact
from pb.impact.services import surveys as impact_surveys
from tests.factories import make_call
from tests.impact.test_figures import (
    _approved,
    independent_call_counts,
    independent_round_counts,
    partnership_call,
    pb_round,
)


@dataclass(frozen=True)
class Summary:
    """The interface of pb.surveys.services.summary.SurveySummary."""

    survey_id: int
    title: str
    subject_kind: str
    subject_id: int
    phase: str
    answers: int | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    change: float | None
    year: int


@pytest.fixture
def summaries(monkeypatch):
    """The survey summaries the pages get (the surveys domain's function replaced): none unless a test adds some."""
    given = []
    monkeypatch.setattr(impact_surveys, "load_summaries", lambda *, round_ids, agreement_ids: list(given))
    return given


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def json_rows(client, query=""):
    response = client.get(f"/impact/data.json{query}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def value_of(rows, kind, subject_id, measure, group=""):
    matches = [row for row in rows if row["subject_kind"] == kind and str(row["subject_id"]) == str(subject_id)
               and row["measure"] == measure and row["group"] == group]
    assert len(matches) == 1, (kind, subject_id, measure, group, matches)
    return matches[0]["value"]


def test_the_overview_shows_the_independently_counted_figures_and_links_the_details(app, client):
    built = partnership_call()
    pb = pb_round(app)
    calls = independent_call_counts(built.call)
    rounds = independent_round_counts(pb.round)
    page = client.get("/impact/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-cents="{calls["allocated"]}"' in html
    assert f'data-cents="{calls["released"]}"' in html
    assert f'data-cents="{calls["spent"]}"' in html
    assert f'data-cents="{rounds["planned"]}"' in html and f'data-cents="{rounds["actual"]}"' in html
    assert f'<td class="num" data-progress="late">{calls["late"]}</td>' in html
    assert f'<dd id="ballots">{rounds["ballots"]}</dd>' in html
    assert f'<dd id="participants">{calls["participants"]}</dd>' in html
    assert f'href="/impact/calls/{built.call.id}"' in html and f'href="/impact/rounds/{pb.round.id}"' in html
    assert 'href="/impact/data.csv"' in html and 'href="/impact/data.json"' in html
    # Every chart has a caption and a table twin.
    assert html.count('role="img"') == 4 and html.count("<figcaption>") == 4
    assert "Unpublished" not in html


def test_the_year_selector_works_without_javascript(app, client):
    built = partnership_call()
    year = impact.call_year(built.call)
    html = client.get("/impact/").get_data(as_text=True)
    assert '<form method="get" action="/impact/"' in html and f'<option value="{year}">' in html
    chosen = client.get(f"/impact/?year={year}").get_data(as_text=True)
    assert f'<option value="{year}" selected>' in chosen
    assert f'href="/impact/data.csv?year={year}"' in chosen
    empty = client.get(f"/impact/?year={year - 5}").get_data(as_text=True)
    assert f'href="/impact/calls/{built.call.id}"' not in empty
    assert client.get("/impact/?year=last").status_code == 404
    assert client.get("/impact/?year=all").status_code == 200


def test_the_call_page_shows_its_activities_indicators_and_no_unpublished_or_draft_items(app, client):
    built = partnership_call()
    counts = independent_call_counts(built.call)
    page = client.get(f"/impact/calls/{built.call.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-cents="{counts["allocated"]}"' in html
    for title in ("Running", "Overdue", "Finished", "Drafted"):
        assert f">{title}</a>" in html
    assert "Unpublished" not in html and "Refused" not in html
    assert html.count('data-attainment="met"') == 2 and html.count('data-attainment="on_track"') == 1
    assert "3 of 6 indicators met or on track" in html
    draft_call = make_call("draft")
    _approved(draft_call, built.staff, "Secret", 3_000_00)
    assert client.get(f"/impact/calls/{draft_call.id}").status_code == 404
    assert client.get(f"/impact/data.csv?call={draft_call.id}").status_code == 404
    assert client.get("/impact/calls/999999").status_code == 404


def test_the_round_page_withholds_the_turnout_breakdown_below_the_secrecy_minimum(app, client):
    built = pb_round(app)
    counts = independent_round_counts(built.round)
    html = client.get(f"/impact/rounds/{built.round.id}").get_data(as_text=True)
    assert f'<dd id="ballots">{counts["ballots"]}</dd>' in html
    assert f'data-budget="{built.budget.id}">{counts["ballots"]}</td>' in html
    assert f"channels-{built.budget.id}-caption" not in html and f"ages-{built.budget.id}-caption" not in html
    rows = csv_rows(client.get(f"/impact/data.csv?round={built.round.id}").get_data(as_text=True))
    assert value_of(rows, "budget", built.budget.id, "ballots_by_channel") == "withheld"
    assert value_of(rows, "budget", built.budget.id, "ballots_by_age_band") == "withheld"
    assert not [row for row in rows if row["measure"] == "ballots_by_channel" and row["group"]]
    # Counted but not published: the page says so and shows no figure.
    other = client.get(f"/impact/rounds/{built.unpublished.id}").get_data(as_text=True)
    assert 'id="ballots"' not in other and 'id="pb-planned"' not in other
    assert csv_rows(client.get(f"/impact/data.csv?round={built.unpublished.id}").get_data(as_text=True)) == []


def test_the_round_page_shows_a_breakdown_as_the_result_page_does(app, client):
    from pb.voting.models import Channel
    from tests.tally.support import add_ballots, make_round, published

    budget_round = make_round()
    budget = budget_round.budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 7)
    add_ballots(budget, [[budget.projects[1]]] * 2, channel=Channel.PAPER)
    published(app, budget)
    html = client.get(f"/impact/rounds/{budget_round.id}").get_data(as_text=True)
    assert f"channels-{budget.id}-caption" in html
    result = json.loads(client.get(f"/results/budgets/{budget.id}/results.json").get_data(as_text=True))
    rows = json_rows(client, f"?round={budget_round.id}")["rows"]
    for channel, shown in result["turnout"]["by_channel"].items():
        assert value_of(rows, "budget", budget.id, "ballots_by_channel", channel) == shown
    assert value_of(rows, "budget", budget.id, "ballots_by_channel", "paper") == "<5"


def test_the_csv_and_json_files_hold_the_same_figures_as_the_page(app, client):
    built = partnership_call()
    pb = pb_round(app)
    overview = impact.overview()
    document = json_rows(client)
    assert document["filters"] == {"year": None}
    assert set(document["fields"]) == {"subject_kind", "subject_id", "subject_name", "year", "measure", "group",
                                        "value", "unit"}
    assert {row["measure"] for row in document["rows"]} <= set(document["measures"])
    download = client.get("/impact/data.csv")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    from_csv = csv_rows(download.get_data(as_text=True))
    assert len(from_csv) == len(document["rows"])
    for csv_row, json_row in zip(from_csv, document["rows"]):
        assert csv_row == {key: "" if value is None else str(value) for key, value in json_row.items()}
    rows = document["rows"]
    assert value_of(rows, "call", built.call.id, "allocated_cents") == overview.allocated_cents
    assert value_of(rows, "call", built.call.id, "spent_cents") == overview.spent_cents
    assert value_of(rows, "call", built.call.id, "indicators_met_or_on_track") == overview.indicators_good
    assert value_of(rows, "round", pb.round.id, "planned_cost_cents") == overview.pb_planned_cents
    assert value_of(rows, "round", pb.round.id, "ballots") == overview.ballots
    html = client.get("/impact/").get_data(as_text=True)
    assert f'data-cents="{value_of(rows, "call", built.call.id, "released_cents")}"' in html
    one_call = json_rows(client, f"?call={built.call.id}")
    assert one_call["filters"] == {"call": built.call.id}
    assert {row["subject_kind"] for row in one_call["rows"]} == {"call", "activity", "indicator"}


def test_the_csv_is_safe_to_open_in_a_spreadsheet(app, client):
    built = partnership_call()
    built.call.title = {"fi": '=HYPERLINK("http://evil.example","click")', "en": "Call"}
    db.session.commit()
    text = client.get("/impact/data.csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in text
    assert not any(row["subject_name"].startswith("=") for row in csv_rows(text))


def test_survey_results_show_only_groups_with_enough_answers(app, client, summaries):
    built = partnership_call()
    agreement_id = built.running.agreement.id
    year = impact.call_year(built.call)
    summaries.extend([
        Summary(1, "Osallisuuskysely", "agreement", agreement_id, "before", 12, 51.25, 44.0, 58.5, None, year),
        Summary(2, "Osallisuuskysely", "agreement", agreement_id, "after", 9, 63.75, 55.0, 72.5, 12.5, year),
        Summary(3, "Pieni kysely", "agreement", agreement_id, "single", None, None, None, None, None, year),
        Summary(4, "Toisen kysely", "agreement", agreement_id + 1000, "single", 20, 99.0, 98.0, 99.5, None, year),
    ])
    html = client.get(f"/impact/calls/{built.call.id}").get_data(as_text=True)
    assert "Osallisuuskysely" in html and "63.8" in html and "+12.5" in html
    assert "Pieni kysely" in html and "Toisen kysely" not in html
    small_row = html[html.index("Pieni kysely"):html.index("</tr>", html.index("Pieni kysely"))]
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", small_row))  # no number in the withheld group's row
    rows = csv_rows(client.get(f"/impact/data.csv?call={built.call.id}").get_data(as_text=True))
    assert value_of(rows, "survey", 3, "survey_result", "single") == "withheld"
    assert not [row for row in rows if row["subject_kind"] == "survey" and row["subject_id"] == "3"
                and row["measure"] != "survey_result"]
    assert value_of(rows, "survey", 2, "survey_change", "after") == "12.5"
    assert not [row for row in rows if row["subject_id"] == "4" and row["subject_kind"] == "survey"]


def test_the_demo_survey_result_is_on_the_impact_page_with_the_counted_answers(app, client):
    from pb.demo import seed_demo
    from pb.surveys.models import Survey, SurveyAnswer, SurveyState

    assert seed_demo(app.config["DEMO_PASSWORD"])
    overview = impact.overview()
    closed = db.session.execute(db.select(Survey).where(Survey.state == SurveyState.CLOSED)).scalars().all()
    still_open = db.session.execute(db.select(Survey).where(Survey.state == SurveyState.OPEN)).scalars().all()
    assert closed and [row.survey_id for row in overview.surveys] == [survey.id for survey in closed]
    survey = closed[0]
    answers = db.session.scalar(db.select(db.func.count(SurveyAnswer.id)).where(SurveyAnswer.survey_id == survey.id))
    call_id = overview.calls[0].id
    html = client.get(f"/impact/calls/{call_id}").get_data(as_text=True)
    table = html[html.index('id="surveys-table"'):html.index("</table>", html.index('id="surveys-table"'))]
    assert f'<td class="num">{answers}</td>' in table
    rows = csv_rows(client.get(f"/impact/data.csv?call={call_id}").get_data(as_text=True))
    phase = survey.phase.value
    assert value_of(rows, "survey", survey.id, "survey_answers", phase) == str(answers)
    # An open survey's results are not public yet.
    assert not [row for row in rows if row["subject_kind"] == "survey" and int(row["subject_id"]) in
                {survey.id for survey in still_open}]


def test_the_home_page_links_the_impact_page(client):
    assert 'href="/impact/"' in client.get("/").get_data(as_text=True)
