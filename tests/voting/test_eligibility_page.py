"""The voting details page: prefilled, honest about a too-young year, and warning before a district change."""

from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import services
from tests.factories import make_round, make_voter
from tests.helpers import browser, post_form
from tests.voting.test_identity import page


def test_the_page_is_prefilled_and_a_too_young_year_is_not_thanked_for(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    resident = make_voter(budget.district, birth_year=1990, locale="en")
    client = browser(app, resident)
    url = f"/voting/{budget_round.id}/eligibility"
    form = page(client.get(url))
    assert 'value="1990"' in form and f'<option selected value="{budget.district_id}">' in form
    response = post_form(client, url, {"birth_year": str(utcnow().year - 8), "district_id": str(budget.district_id),
                                       "confirm": "y"}, follow_redirects=True)
    assert "You can vote if you turn 12 this year or are older." in page(response)
    assert "Thank you" not in page(response)


def test_changing_district_after_voting_warns_and_links_to_the_ballot(app):
    budget_round = make_round()
    home, other = budget_round.budgets
    resident = make_voter(home.district, locale="en")
    services.cast_ballot(services.account_voter(budget_round, resident), home, {home.projects[0].id: 1})
    db.session.commit()
    client = browser(app, resident)
    url = f"/voting/{budget_round.id}/eligibility"
    form = page(client.get(url))
    assert f"You have already voted in {home.display_name}" in form
    assert f"/voting/{budget_round.id}/ballot/{home.id}" in form
    response = post_form(client, url, {"birth_year": "1990", "district_id": str(other.district_id), "confirm": "y"},
                         follow_redirects=True)
    assert f"Your ballot in {home.display_name} stays and counts" in page(response)
