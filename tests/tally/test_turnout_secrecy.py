"""Staff's live turnout follows the secrecy rule (pb.voting.services.turnout); auditors see every figure."""

from pb.extensions import db
from pb.transactions import commit
from pb.voting.models import Channel
from pb.voting.services.turnout import Withheld, live_turnout, turnout_snapshot
from tests.factories import make_user
from tests.helpers import browser
from tests.tally.support import add_ballots, make_round

SMALL = Withheld(small=True, minimum=5)




def two_budgets():
    budget_round = make_round(voting="open", districts=(("Keskusta", 1_000), ("Itä", 2_000)))
    first, second = budget_round.budgets
    add_ballots(first, [[first.projects[0]]] * 8, age_band="30-44")
    add_ballots(first, [[first.projects[0]]] * 2, channel=Channel.PAPER, age_band="65+")
    add_ballots(second, [[second.projects[0]]] * 9, age_band="30-44")
    add_ballots(second, [[second.projects[0]]] * 6, channel=Channel.PAPER, age_band="18-29")
    return budget_round


def test_live_turnout_protects_the_budgets_by_channel_table():
    budget_round = two_budgets()
    turnout = live_turnout(budget_round, minimum=5)
    first, second = turnout["budgets"]
    # Keskusta's 2 paper ballots are small, so its row hides its empty assisted cell too. The paper and
    # assisted columns then each have one hidden figure, so Itä's paper (6) and assisted (0) are hidden,
    # and the round's paper and assisted totals with them (25 - 17 gives only their sum).
    assert first["channels"]["paper"] == SMALL and second["channels"]["paper"] == Withheld(small=False, minimum=5)
    assert first["ballots"] == 10 and second["ballots"] == 15  # totals always shown
    rows = [first, second]
    for row in rows:
        hidden = [channel for channel, value in row["channels"].items() if isinstance(value, Withheld)]
        assert len(hidden) != 1, row
    for channel in turnout["by_channel"]:
        column = [row["channels"][channel] for row in rows] + [turnout["by_channel"][channel]]
        assert sum(1 for value in column if isinstance(value, Withheld)) != 1, (channel, column)
    assert turnout["by_channel"]["online"] == 17 and not isinstance(first["channels"]["online"], Withheld)
    assert isinstance(turnout["by_channel"]["paper"], Withheld)
    assert isinstance(turnout["by_channel"]["assisted"], Withheld)
    assert turnout["by_age_band"]["65+"] == SMALL and turnout["by_age_band"]["30-44"] == 17
    assert turnout["ballots"] == 25 and turnout["voters"] == 25


def test_live_turnout_without_a_minimum_shows_everything():
    turnout = live_turnout(two_budgets())
    assert turnout["budgets"][0]["channels"] == {"online": 8, "assisted": 0, "paper": 2}
    assert turnout["by_age_band"]["65+"] == 2


def test_a_round_with_too_few_ballots_shows_no_breakdown():
    budget_round = make_round(voting="open")
    add_ballots(budget_round.budgets[0], [[budget_round.budgets[0].projects[0]]] * 3, age_band="12-17")
    turnout = live_turnout(budget_round, minimum=5)
    assert turnout["by_age_band"] is None
    assert set(turnout["by_channel"].values()) == {SMALL}
    assert set(turnout["budgets"][0]["channels"].values()) == {SMALL}
    assert turnout["ballots"] == 3


def test_the_snapshot_is_stored_in_full_with_the_self_declared_count():
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 2, age_band="65+")
    add_ballots(budget, [[budget.projects[0]]], identity_verified=False)
    snapshot = turnout_snapshot(budget)
    assert snapshot["by_age_band"]["65+"] == 2 and snapshot["self_declared"] == 1 and snapshot["ballots"] == 3


def test_staff_turnout_page_hides_small_groups_and_an_auditor_sees_them(app):
    budget_round = two_budgets()
    staff = make_user(staff=True, locale="en")
    auditor = make_user(staff=True, locale="en")
    auditor.is_auditor = True
    commit()
    url = f"/results/manage/rounds/{budget_round.id}/turnout/fragment"
    html = browser(app, staff).get(url).get_data(as_text=True)
    assert "fewer than 5" in html and "For ballot secrecy" in html
    assert '<th scope="row">65+</th><td class="num"><span class="withheld">fewer than 5</span></td>' in html
    html = browser(app, auditor).get(url).get_data(as_text=True)
    assert "fewer than 5" not in html and "You are an auditor" in html
    assert '<th scope="row">65+</th><td class="num">2</td>' in html
    full_page = browser(app, staff).get(f"/results/manage/rounds/{budget_round.id}/turnout")
    assert full_page.status_code == 200 and "fewer than 5" in full_page.get_data(as_text=True)
    db.session.rollback()
