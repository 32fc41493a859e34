"""Ballot secrecy in every published figure: groups smaller than BALLOT_SECRECY_MIN_GROUP (5) are shown as
"fewer than 5", with complementary suppression; a budget with fewer ballots publishes totals without its
ballots; the .pb file carries a voter column only where every group is big enough."""

import csv
import io
import json

import pytest

from pb.extensions import db
from pb.rules import read_pabulib_text
from pb.tally import services
from pb.transactions import commit
from pb.voting.models import Channel
from pb.voting.services.turnout import Withheld, protect_breakdown, protect_self_declared, withhold
from tests.factories import make_user
from tests.helpers import browser
from tests.tally.support import add_ballots, make_round, published

SMALL = Withheld(small=True, minimum=5)
COMPLEMENT = Withheld(small=False, minimum=5)




def csv_rows(client, budget):
    body = client.get(f"/results/budgets/{budget.id}/results.csv").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(body)))


# --- the rule ------------------------------------------------------------------------------


def test_a_small_group_and_the_next_smallest_are_hidden():
    # 3 is small; alone it could be worked out as 20 - 10 - 7, so the next smallest (7) goes too.
    assert protect_breakdown({"online": 10, "assisted": 3, "paper": 7}, 5) == {
        "online": 10, "assisted": SMALL, "paper": COMPLEMENT,
    }
    # Two small groups protect each other; zeros are shown (they are nobody).
    assert protect_breakdown({"online": 10, "assisted": 3, "paper": 2, "x": 0}, 5) == {
        "online": 10, "assisted": SMALL, "paper": SMALL, "x": 0,
    }
    # The next smallest may be an empty group: it then reads "fewer than 5" as well, which is true.
    assert protect_breakdown({"online": 10, "assisted": 3, "paper": 0}, 5) == {
        "online": 10, "assisted": SMALL, "paper": SMALL,
    }
    assert protect_breakdown({"online": 10, "paper": 5}, 5) == {"online": 10, "paper": 5}
    # Too few ballots in all: no breakdown at all.
    assert protect_breakdown({"online": 1, "paper": 0}, 5) is None
    # Minimum 1 (or an auditor's None): everything shown.
    assert protect_breakdown({"online": 1, "paper": 0}, None) == {"online": 1, "paper": 0}


def test_no_hidden_figure_of_a_table_can_be_worked_out_from_its_sums():
    # Two budgets by two channels; row totals and the grand total are published.
    values = {"t": 20, "r1": 10, "r2": 10, "c1": 13, "c2": 7, "a1": 7, "a2": 3, "b1": 6, "b2": 4}
    sums = [("t", ["c1", "c2"]), ("r1", ["a1", "a2"]), ("r2", ["b1", "b2"]), ("c1", ["a1", "b1"]), ("c2", ["a2", "b2"])]
    shown = withhold(values, sums, 5, fixed=["t", "r1", "r2"])
    hidden = {key for key, value in shown.items() if isinstance(value, Withheld)}
    assert {"a2", "b2"} <= hidden
    for total, parts in sums:
        assert sum(1 for key in [total, *parts] if key in hidden) != 1, (total, parts, hidden)


def test_self_declared_ballots_follow_the_same_rule():
    assert protect_self_declared(20, 0, 5) == 0
    assert protect_self_declared(20, None, 5) is None
    assert protect_self_declared(20, 8, 5) == 8
    assert protect_self_declared(20, 2, 5) == SMALL
    assert protect_self_declared(20, 17, 5) == COMPLEMENT  # 3 verified ones would follow from the total
    assert protect_self_declared(3, 3, 5) == SMALL


# --- acceptance: a budget with one ballot ---------------------------------------------------


def test_a_budget_with_one_ballot_publishes_totals_but_no_ballot_file_and_no_age_band(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0], budget.projects[2]]], age_band="65+", channel=Channel.ASSISTED)
    run = published(app, budget)
    client = browser(app)

    html = client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert "Leikkipuisto" in html and ">All projects, most votes first</caption>" in html  # the totals
    assert (
        "The ballots are not published one by one because there are fewer than 5 of them: "
        "they could show how someone voted." in html
    )
    assert "65+" not in html and "Ballots by age" not in html and "Ballots by way of voting" not in html
    assert "ballots.pb" not in html and run.inputs_hash not in html and "/what-if" not in html
    assert client.get(f"/results/budgets/{budget.id}/ballots.pb").status_code == 404
    assert "not shown because there are fewer than 5 ballots" in client.get(
        f"/results/budgets/{budget.id}/what-if"
    ).get_data(as_text=True)

    document = json.loads(client.get(f"/results/budgets/{budget.id}/results.json").get_data(as_text=True))
    assert document["turnout"]["by_age_band"] is None and document["turnout"]["by_channel"] is None
    assert document["secrecy"] == {**document["secrecy"], "minimum_group": 5, "ballots_published": False}
    assert document["inputs_hash"] is None and "65+" not in json.dumps(document)
    assert [p["score"] for p in document["projects"]][:2] == [1, 1]  # totals are published
    rows = csv_rows(client, budget)
    assert {row["inputs_hash"] for row in rows} == {""} and {row["ballots"] for row in rows} == {"1"}


def test_staff_preview_follows_the_rule_and_an_auditor_sees_everything(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 6, age_band="30-44")
    add_ballots(budget, [[budget.projects[1]]] * 2, age_band="65+", channel=Channel.PAPER)
    run = published(app, budget)
    staff = make_user(staff=True, locale="en")
    auditor = make_user(staff=True, locale="en")
    auditor.is_auditor = True
    admin = make_user(admin=True, locale="en")
    commit()

    def age_row(html, band):
        start = html.index(f'<th scope="row">{band}</th>')
        return html[start:html.index("</tr>", start)]

    for user in (None, staff, admin):
        url = f"/results/manage/runs/{run.id}" if user else f"/results/budgets/{budget.id}"
        html = browser(app, user).get(url).get_data(as_text=True)
        assert "fewer than 5" in age_row(html, "65+"), user
        # 30-44 is shown: the hidden 65+ is paired with an empty band, so 8 - 6 tells only their sum.
        assert ">6<" in age_row(html, "30-44")
        assert "For ballot secrecy" in html
    html = browser(app, auditor).get(f"/results/manage/runs/{run.id}").get_data(as_text=True)
    assert ">2<" in age_row(html, "65+") and "You are an auditor" in html
    # The auditor's full view is not served to the public from the page cache.
    assert "fewer than 5" in age_row(browser(app).get(f"/results/budgets/{budget.id}").get_data(as_text=True), "65+")


def test_complementary_suppression_on_the_published_page_and_files(app):
    budget = make_round().budgets[0]
    park = budget.projects[0]
    add_ballots(budget, [[park]] * 10)
    add_ballots(budget, [[park]] * 3, channel=Channel.ASSISTED)
    add_ballots(budget, [[park]] * 7, channel=Channel.PAPER)
    published(app, budget)
    client = browser(app)
    document = json.loads(client.get(f"/results/budgets/{budget.id}/results.json").get_data(as_text=True))
    assert document["turnout"]["by_channel"] == {"online": 10, "assisted": "<5", "paper": "hidden"}
    assert document["turnout"]["ballots"] == 20
    html = client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert "fewer than 5" in html and "not shown" in html


def test_self_declared_ballots_are_counted_on_the_result_pages_and_files(app):
    budget = make_round().budgets[0]
    park = budget.projects[0]
    add_ballots(budget, [[park]] * 9)
    add_ballots(budget, [[park]] * 6, identity_verified=False)
    published(app, budget)
    client = browser(app)
    sentence = "Of these, 6 ballots came from voters who declared their own age and area"
    assert sentence in client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert sentence in client.get(f"/results/rounds/{budget.round_id}").get_data(as_text=True)
    document = json.loads(client.get(f"/results/budgets/{budget.id}/results.json").get_data(as_text=True))
    assert document["turnout"]["self_declared"] == 6
    rows = csv_rows(client, budget)
    assert {row["self_declared_ballots"] for row in rows} == {"6"}


def test_a_few_self_declared_ballots_are_shown_as_fewer_than_the_minimum(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 9)
    add_ballots(budget, [[budget.projects[0]]] * 2, identity_verified=False)
    published(app, budget)
    client = browser(app)
    html = client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert "Of these, <span class=\"withheld\">fewer than 5</span> ballots came from voters who declared" in html
    document = json.loads(client.get(f"/results/budgets/{budget.id}/results.json").get_data(as_text=True))
    assert document["turnout"]["self_declared"] == "<5"


def test_no_self_declared_sentence_when_every_identity_was_verified(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 6)
    published(app, budget)
    assert "declared their own age" not in browser(app).get(f"/results/budgets/{budget.id}").get_data(as_text=True)


# --- the .pb file --------------------------------------------------------------------------


def ballots_file(app, budget):
    response = browser(app).get(f"/results/budgets/{budget.id}/ballots.pb")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_voter_columns_appear_only_when_every_group_is_big_enough(app):
    budget = make_round().budgets[0]
    park, benches = budget.projects[:2]
    add_ballots(budget, [[park]] * 5, age_band="30-44")
    add_ballots(budget, [[benches]] * 5, age_band="65+", channel=Channel.PAPER)
    published(app, budget)
    instance = read_pabulib_text(ballots_file(app, budget))
    assert instance.meta["secrecy_min_group"] == "5" and "voter_columns_left_out" not in instance.meta
    assert set(instance.voters.columns) == {"age_band", "voting_method"}
    assert instance.voters.ids == [str(n) for n in range(1, 11)]
    pairs = sorted(zip(instance.voters.columns["age_band"], instance.voters.columns["voting_method"]))
    assert pairs == [("30-44", "online")] * 5 + [("65+", "paper")] * 5


def test_a_small_group_leaves_its_column_out_and_meta_says_why(app):
    budget = make_round().budgets[0]
    park = budget.projects[0]
    add_ballots(budget, [[park]] * 6, age_band="30-44")
    add_ballots(budget, [[park]] * 1, age_band="12-17")
    add_ballots(budget, [[park]] * 5, age_band="45-64", channel=Channel.PAPER)
    published(app, budget)
    text = ballots_file(app, budget)
    instance = read_pabulib_text(text)
    # Age: the 12-17 group has one voter. Channel: online 7 and paper 5, both big enough.
    assert list(instance.voters.columns) == ["voting_method"]
    assert instance.meta["voter_columns_left_out"] == (
        "age_band: a group of voters would be smaller than 5 (ballot secrecy)"
    )
    assert "12-17" not in text


def test_columns_are_checked_together(app):
    budget = make_round().budgets[0]
    park = budget.projects[0]
    # Two age groups of 6 and two channels of 6, crossed 5/1 and 1/5.
    add_ballots(budget, [[park]] * 5, age_band="30-44")
    add_ballots(budget, [[park]] * 1, age_band="30-44", channel=Channel.PAPER)
    add_ballots(budget, [[park]] * 1, age_band="65+")
    add_ballots(budget, [[park]] * 5, age_band="65+", channel=Channel.PAPER)
    published(app, budget)
    instance = read_pabulib_text(ballots_file(app, budget))
    # Each column alone has groups of 6, but age and channel together would single out two voters.
    assert list(instance.voters.columns) == ["age_band"]
    assert instance.meta["voter_columns_left_out"].startswith("voting_method:")


def test_the_file_does_not_list_voters_in_the_order_they_voted(app):
    budget = make_round().budgets[0]
    park, benches = budget.projects[:2]
    add_ballots(budget, [[park]] * 3, channel=Channel.PAPER)
    add_ballots(budget, [[park]] * 3)
    add_ballots(budget, [[park]] * 2, channel=Channel.PAPER)
    add_ballots(budget, [[park]] * 2)
    published(app, budget)
    instance = read_pabulib_text(ballots_file(app, budget))
    assert instance.voters.columns["voting_method"] == ["online"] * 5 + ["paper"] * 5


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_the_ballot_file_hash_still_matches_with_voter_columns(app, role):
    budget = make_round().budgets[0]
    park, benches = budget.projects[:2]
    add_ballots(budget, [[park], [benches], [park, benches]] * 2, age_band="18-29")
    run = published(app, budget)
    user = {"anonymous": None, "resident": make_user(locale="en"), "staff": make_user(staff=True, locale="en")}[role]
    text = browser(app, user).get(f"/results/budgets/{budget.id}/ballots.pb").get_data(as_text=True)
    instance = read_pabulib_text(text)
    assert services.inputs_hash(instance, run.rule, run.threshold) == run.inputs_hash == instance.meta["inputs_hash"]


def test_the_minimum_comes_from_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "BALLOT_SECRECY_MIN_GROUP", 2)
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 3)
    published(app, budget)
    assert browser(app).get(f"/results/budgets/{budget.id}/ballots.pb").status_code == 200
    monkeypatch.setitem(app.config, "BALLOT_SECRECY_MIN_GROUP", 4)
    assert browser(app).get(f"/results/budgets/{budget.id}/ballots.pb").status_code == 404
    db.session.rollback()


def test_before_publication_only_staff_learn_that_a_budget_has_too_few_ballots(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 2)
    url = f"/results/budgets/{budget.id}"
    sentence = "The ballots are not published one by one because there are fewer than 5 of them"
    assert sentence not in browser(app).get(url).get_data(as_text=True)
    html = browser(app, make_user(staff=True, locale="en")).get(url).get_data(as_text=True)
    assert sentence in html and "ballots.pb" not in html
