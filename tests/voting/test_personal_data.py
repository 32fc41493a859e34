"""A voter's declared details and ideas are in their data export and erased with the account."""

from pb.auth import services as accounts
from pb.extensions import db
from pb.transactions import commit
from pb.voting import services as voting
from tests.factories import make_round, make_voter


def test_export_and_erasure_reach_voting_data():
    budget_round = make_round(phase="idea_collection")
    district_id = budget_round.budgets[0].district_id
    voter = make_voter(budget_round.budgets[0].district, birth_year=2008)
    voting.submit_idea(voter, budget_round, district_id, "Penkit puistoon", "Lisää penkkejä.", "Keskuspuisto")
    commit()

    exported = accounts.export_data(voter)
    assert exported["account"]["birth_year"] == 2008
    assert exported["account"]["home_district_id"] == district_id
    assert [idea["title"] for idea in exported["ideas"]] == ["Penkit puistoon"]

    accounts.delete_account(voter)
    commit()
    db.session.refresh(voter)
    assert voter.birth_year is None and voter.district_id is None and voter.email is None
