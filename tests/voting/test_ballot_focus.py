"""The sticky ballot total never hides the focused field, and "Update total" without JavaScript returns to it."""

from pb.config import PROJECT_ROOT
from tests.factories import make_round, make_voter
from tests.helpers import browser
from tests.voting.test_identity import page


def test_update_total_returns_to_the_total(app):
    budget_round = make_round(ballot_format="knapsack")
    budget = budget_round.budgets[0]
    client = browser(app, make_voter(budget.district, locale="en"))
    form = page(client.get(f"/voting/{budget_round.id}/ballot/{budget.id}"))
    assert f'formaction="/voting/{budget_round.id}/ballot/{budget.id}#ballot-total"' in form
    assert 'id="ballot-total"' in form


def test_focus_scrolling_keeps_room_for_the_sticky_total():
    css = (PROJECT_ROOT / "static" / "css" / "pb.css").read_text()
    assert "html:has(.ballot-total) { scroll-padding-bottom: calc(40vh + 1rem); }" in css
    assert "max-height: 40vh" in css
