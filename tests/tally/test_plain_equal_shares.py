"""Issue #16 item 9: why a project was not funded by Equal Shares, in plain words, with plural forms."""

import json

import pytest

from pb.rules import Project, make_instance, tally
from pb.tally.reasons import equal_shares_notes, explain_all
from tests.tally.support import add_ballots, make_round, published, secrecy_minimum


@pytest.fixture
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def counted(rule="equalshares/add1"):
    """Budget 60,000 EUR; a: 30,000 (4 votes), b: 40,000 (3), c: 15,000 (2): 15,000 EUR stays unused."""
    projects = [Project("a", 30_000_00), Project("b", 40_000_00), Project("c", 15_000_00), Project("d", 10_000_00)]
    votes = [["a", "b"], ["a", "b"], ["a", "c"], ["a", "b", "c"]]
    return json.loads(json.dumps(tally(make_instance(projects, 60_000_00, votes, unit=100), rule).as_dict()))


def test_a_project_whose_supporters_spent_their_shares_is_explained_so(english):
    text = explain_all(counted())["b"]
    assert "had already spent part of their equal shares on other projects they also chose" in text
    assert "€32,499.00 together, was not enough" in text
    assert "had only" not in text


def test_a_project_with_too_few_voters_is_explained_so(english):
    projects = [Project("big", 50_000_00), Project("small", 10_000_00)]
    votes = [["big"], ["small"], ["small"], ["small"]]
    outcome = json.loads(json.dumps(tally(make_instance(projects, 60_000_00, votes, unit=100), "equalshares").as_dict()))
    text = explain_all(outcome)["big"]
    assert "too few people voted for it" in text and "1 person who voted for it" in text


def test_unused_money_and_step_against_place_are_explained(english):
    notes = equal_shares_notes(counted())
    assert any("€15,000.00 of €60,000.00 stays unused" in note and "municipality's budget" in note for note in notes)
    assert any("The step tells in which order" in note for note in notes)
    assert equal_shares_notes(counted("greedy")) == []


def test_the_result_page_says_it_plainly_with_singular_forms(app, monkeypatch):
    secrecy_minimum(monkeypatch, app, 1)
    budget = make_round(rule="equalshares/add1").budgets[0]
    add_ballots(budget, [[budget.projects[2]]])
    published(app, budget)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert "1 ballot. 1,000 people live in the area" in page
    assert "1 ballots." not in page
    assert "the 1 person who voted for it" in page
    assert "stays unused" in page and "The step tells in which order" in page
