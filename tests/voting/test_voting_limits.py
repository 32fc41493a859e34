"""Rate limits that suit a class or a pop-up point voting from one address: right codes are never
limited per address, wrong ones are; one code is limited however many addresses type it; ballots
are limited per voter, and only generously per address."""

from pb.extensions import db
from pb.voting import services
from tests.factories import make_round, make_user
from tests.helpers import post_form
from tests.voting.test_routes import cast, client_for, text, version_on


def _codes(budget_round, size, district):
    staff = make_user(staff=True)
    _batch, plain = services.create_code_batch(staff, budget_round, "Koulu", size, district.id)
    db.session.commit()
    return plain


def _enter(client, budget_round, code):
    return post_form(client, f"/voting/{budget_round.id}/code", {"code": code})


def test_a_class_enters_its_right_codes_from_one_address_without_limit(limited_app):
    app = limited_app(VOTING_CODE_RATE_LIMIT="3 per minute", VOTING_CODE_PER_CODE_RATE_LIMIT="5 per hour")
    budget_round = make_round()
    for code in _codes(budget_round, 12, budget_round.budgets[0].district):
        assert _enter(client_for(app), budget_round, code).status_code == 302


def test_wrong_codes_from_one_address_are_limited(limited_app):
    app = limited_app(VOTING_CODE_RATE_LIMIT="3 per minute", VOTING_CODE_PER_CODE_RATE_LIMIT="100 per hour")
    budget_round = make_round()
    right, = _codes(budget_round, 1, budget_round.budgets[0].district)
    guesser = client_for(app)
    for guess in ("AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC"):
        assert _enter(guesser, budget_round, guess).status_code == 422
    response = _enter(client_for(app), budget_round, right)
    assert response.status_code == 429
    assert "Too many attempts" in text(response)


def test_one_code_is_limited_whoever_types_it(limited_app):
    app = limited_app(VOTING_CODE_RATE_LIMIT="100 per minute", VOTING_CODE_PER_CODE_RATE_LIMIT="2 per hour")
    budget_round = make_round()
    code, other = _codes(budget_round, 2, budget_round.budgets[0].district)
    assert _enter(client_for(app), budget_round, code).status_code == 302
    assert _enter(client_for(app), budget_round, code.lower().replace("-", " ")).status_code == 302
    assert _enter(client_for(app), budget_round, code).status_code == 429
    assert _enter(client_for(app), budget_round, other).status_code == 302


def test_ballots_are_limited_per_voter_not_per_address(limited_app):
    app = limited_app(VOTING_RATE_LIMIT="1000 per minute", VOTING_VOTER_RATE_LIMIT="2 per minute")
    budget_round = make_round()
    budget = budget_round.budgets[0]
    first, second = _codes(budget_round, 2, budget.district)
    busy, calm = client_for(app), client_for(app)
    assert _enter(busy, budget_round, first).status_code == 302
    assert _enter(calm, budget_round, second).status_code == 302
    assert cast(busy, budget, [budget.projects[0].id]).status_code == 302
    page = busy.get(f"/voting/{budget_round.id}/ballot/{budget.id}")
    version = version_on(page)
    assert cast(busy, budget, [budget.projects[1].id], version=version).status_code == 302
    assert cast(busy, budget, [budget.projects[0].id], version=version).status_code == 429
    assert cast(calm, budget, [budget.projects[0].id]).status_code == 302
