"""Plain-language reasons for every reason kind of pb.rules, and the accessible SVG chart."""

import dataclasses
import json
import re
import typing
from xml.etree import ElementTree

import pytest

from pb.rules import Project, available_rules, make_instance, tally
from pb.rules.model import Reason
from pb.tally.charts import Bar, bar_chart
from pb.tally.reasons import REASON_KINDS, RULE_DESCRIPTIONS, RULE_NAMES, comparison_text, explain, explain_all

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def outcome_dict(outcome):
    return json.loads(json.dumps(outcome.as_dict()))


def election(rule, threshold=None):
    """Budget 60,000 EUR (in cents); a: 30,000 (4 votes), b: 40,000 (3), c: 15,000 (2), d: 10,000 (0)."""
    projects = [Project("a", 30_000_00), Project("b", 40_000_00), Project("c", 15_000_00), Project("d", 10_000_00)]
    votes = [["a", "b"], ["a", "b"], ["a", "c"], ["a", "b", "c"]]
    return outcome_dict(tally(make_instance(projects, 60_000_00, votes, unit=100), rule, threshold=threshold))


def sentences(outcome):
    return explain_all(outcome)


def test_every_reason_kind_of_the_engine_has_a_sentence():
    engine_kinds = {
        field.default for cls in typing.get_args(Reason) for field in dataclasses.fields(cls) if field.name == "kind"
    }
    assert engine_kinds == set(REASON_KINDS)
    assert set(RULE_NAMES) == set(RULE_DESCRIPTIONS) == set(available_rules())


def test_greedy_reasons_give_votes_place_and_money(english):
    text = sentences(election("greedy"))
    assert text["a"] == (
        "Funded: 4 votes, place 1 in the ranking. When its turn came, €60,000.00 of €60,000.00 was left."
    )
    assert text["b"] == (
        "Not funded: it needed €40,000.00, but only €30,000.00 was left when its turn came "
        "(3 votes, place 2 in the ranking)."
    )
    assert text["c"].startswith("Funded: 2 votes, place 3 in the ranking. When its turn came, €30,000.00")


def test_the_example_from_the_issue(english):
    outcome = {
        "budget": 60_000_00,
        "unit": 100,
        "projects": [
            {"id": "x", "cost": 15_000_00, "score": 1234, "supporters": 1234, "selected": True,
             "reason": {"kind": "greedy_selected", "rank": 3, "money_left_before": 45_000_00}},
            {"id": "y", "cost": 12_000_00, "score": 100, "supporters": 100, "selected": False,
             "reason": {"kind": "greedy_does_not_fit", "rank": 4, "money_left": 8_500_00}},
        ],
    }
    text = sentences(outcome)
    assert "1,234 votes, place 3" in text["x"] and "€45,000.00 of €60,000.00 was left" in text["x"]
    assert text["y"].startswith("Not funded: it needed €12,000.00, but only €8,500.00 was left")


def test_no_skip_threshold_equal_shares_and_optimal_reasons(english):
    no_skip = sentences(election("greedy-no-skip"))
    assert no_skip["c"].startswith("Not funded: counting stopped at place 2")
    threshold = sentences(election("greedy-threshold", threshold=3))
    assert threshold["c"] == "Not funded: it got 2 votes, but at least 3 votes were needed."
    mes = sentences(election("equalshares"))
    assert mes["a"].startswith("Funded in step 1: the 4 people who voted for it could pay €30,000.00")
    assert mes["d"] == "Not funded: nobody voted for it."
    assert any(text.startswith("Not funded: it cost") and "equal shares" in text for text in mes.values())
    optimal = sentences(election("utilitarian-optimal"))
    assert optimal["a"].startswith("Funded: it is part of the set")
    assert optimal["d"].startswith("Not funded: the set of projects")


def test_points_are_called_points_and_comparison_is_explained(english):
    projects = [Project("a", 10_00), Project("b", 10_00)]
    outcome = outcome_dict(
        tally(make_instance(projects, 10_00, [{"a": 3}, {"b": 1}], vote_type="cumulative", unit=100), "greedy")
    )
    assert "3 points" in explain(outcome["projects"][0], outcome, vote_type="cumulative")
    compared = election("equalshares/add1-comparison")
    assert "So the result of" in comparison_text(compared)
    assert comparison_text(election("greedy")) == ""


def test_reasons_are_translated(app):
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        text = sentences(election("greedy"))["a"]
    assert "€" in text and "60" in text


def test_chart_is_a_named_described_image_with_every_bar(english):
    bars = [Bar("Park <&> play", 12, "12 – funded", True), Bar("Benches", 3, "3 – not funded", False)]
    svg = str(bar_chart(bars, title="Votes", description="Two bars.", chart_id="c1"))
    root = ElementTree.fromstring(svg)  # well-formed, names escaped
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title" and root.find(f"{SVG}title").text == "Votes"
    assert root.find(f"{SVG}desc").get("id") == "c1-desc"
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 2 and float(rects[0].get("width")) > float(rects[1].get("width"))
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Park <&> play" in texts and "3 – not funded" in texts
    assert "style=" not in svg and not re.search(r"<script", svg)
