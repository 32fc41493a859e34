"""Voting services: freezing, ballot formats, changing a vote, codes, receipts, refusals and their audit rows."""

from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.codes import formatted, normalise
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes, services
from pb.voting.models import (
    Ballot,
    BallotChoice,
    BallotFormat,
    BudgetRound,
    Channel,
    EligibilityMode,
    RoundBudget,
    RoundPhase,
)
from pb.voting.services import RoundRuleError, VotingRefused
from tests.factories import make_district, make_round, make_user, make_voter


def events(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def ballots():
    return db.session.execute(db.select(Ballot).order_by(Ballot.id)).scalars().all()


def project_ids(budget):
    return [project.id for project in budget.projects]


def refused(reason, call):
    """Run ``call``, expect a refusal for ``reason``; commit the audit row as the view does."""
    with pytest.raises(VotingRefused) as caught:
        call()
    db.session.commit()
    assert caught.value.reason == reason, caught.value.message
    return caught.value


# --- set-up and freezing ---------------------------------------------------------------------


def _round_values(**overrides):
    values = {
        "name": {"fi": "Kierros"}, "description": {}, "ballot_format": BallotFormat.APPROVAL,
        "max_choices": 3, "points": None, "rule": "greedy", "rule_threshold": None, "min_age": 12,
        "eligibility": EligibilityMode.OWN_DISTRICT, "voting_closes_at": utcnow() + timedelta(days=3),
    }
    values.update(overrides)
    return values


def test_create_round_checks_rule_and_limits():
    staff = make_user(staff=True)
    with pytest.raises(RoundRuleError):
        services.create_round(staff, _round_values(rule="no-such-rule"))
    with pytest.raises(RoundRuleError):
        services.create_round(staff, _round_values(rule="greedy-threshold"))
    with pytest.raises(RoundRuleError):
        services.create_round(staff, _round_values(max_choices=None))
    budget_round = services.create_round(staff, _round_values(rule="equalshares/add1"))
    db.session.commit()
    assert budget_round.key_salt and budget_round.phase is RoundPhase.DRAFT
    assert events("voting.round_created")


def test_opening_voting_freezes_format_limits_budgets_projects_and_rule():
    staff = make_user(staff=True)
    district = make_district("Itä")
    budget_round = services.create_round(staff, _round_values())
    services.set_budget(staff, budget_round, district.id, 50_000_00)
    budget_round.phase = RoundPhase.COST_ESTIMATION
    db.session.commit()
    with pytest.raises(RoundRuleError):  # a budget without projects cannot go to a vote
        services.advance_phase(staff, budget_round)
    db.session.rollback()
    project = services.add_project(staff, budget_round.budgets[0], {"fi": "Penkit"}, {}, 10_000_00)
    assert services.advance_phase(staff, budget_round) is RoundPhase.VOTING
    db.session.commit()
    assert budget_round.is_frozen and budget_round.is_voting_open()

    for change in (
        lambda: services.update_round(staff, budget_round, {"ballot_format": BallotFormat.KNAPSACK}),
        lambda: services.update_round(staff, budget_round, {"max_choices": 5}),
        lambda: services.update_round(staff, budget_round, {"rule": "equalshares"}),
        lambda: services.update_round(staff, budget_round, {"min_age": 15}),
        lambda: services.set_budget(staff, budget_round, district.id, 60_000_00),
        lambda: services.add_project(staff, budget_round.budgets[0], {"fi": "Lisä"}, {}, 5_000_00),
        lambda: services.update_project(staff, project, project.budget, {"fi": "Uusi"}, {}, 1_00),
        lambda: services.delete_project(staff, project),
    ):
        with pytest.raises(RoundRuleError):
            change()
    db.session.rollback()
    as_the_form_sends_it = budget_round.voting_closes_at.replace(second=0, microsecond=0)
    assert services.update_round(staff, budget_round, {"name": {"fi": "Uusi nimi"},
                                                       "voting_closes_at": as_the_form_sends_it}) == ["name"]
    db.session.commit()
    fresh = db.session.get(BudgetRound, budget_round.id)
    assert fresh.max_choices == 3 and fresh.rule == "greedy" and fresh.budgets[0].amount_cents == 50_000_00


def test_closing_voting_moves_on_and_ends_voting_now():
    staff = make_user(staff=True)
    budget_round = make_round("voting")
    with pytest.raises(RoundRuleError):  # before the announced time, only with a public reason
        services.advance_phase(staff, budget_round)
    db.session.rollback()
    services.close_voting(staff, budget_round, reason="The board ended the vote.")
    db.session.commit()
    assert budget_round.phase is RoundPhase.RESULTS
    assert budget_round.voting_closes_at <= utcnow()
    assert not budget_round.is_voting_open() and budget_round.is_voting_over()


# --- ballot formats --------------------------------------------------------------------------


def test_approval_ballot_up_to_k():
    budget_round = make_round(ballot_format="approval", projects=3)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, c = project_ids(budget)
    refused("over_choices", lambda: services.cast_ballot(voter, budget, {a: 1, b: 1, c: 1}))
    refused("empty", lambda: services.cast_ballot(voter, budget, {}))
    result = services.cast_ballot(voter, budget, {a: 1, b: 1})
    db.session.commit()
    assert result.ballot.points_by_project() == {a: 1, b: 1}
    assert result.ballot.channel is Channel.ONLINE and result.ballot.age_band == "30-44"


def test_knapsack_ballot_up_to_the_budget():
    budget_round = make_round(ballot_format="knapsack", projects=3, budget_cents=100_000_00, project_cost_cents=40_000_00)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, c = project_ids(budget)
    error = refused("over_budget", lambda: services.cast_ballot(voter, budget, {a: 1, b: 1, c: 1}))
    assert "120" in error.message and "100" in error.message
    assert ballots() == []
    services.cast_ballot(voter, budget, {a: 1, b: 1})
    db.session.commit()
    assert len(ballots()) == 1


def test_cumulative_ballot_distributes_n_points():
    budget_round = make_round(ballot_format="cumulative", projects=3)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, c = project_ids(budget)
    refused("too_many_points", lambda: services.cast_ballot(voter, budget, {a: 6, b: 5}))
    result = services.cast_ballot(voter, budget, {a: 7, c: 3})
    db.session.commit()
    assert result.ballot.points_by_project() == {a: 7, c: 3}


def test_parse_choices_refuses_unreadable_points():
    from werkzeug.datastructures import MultiDict

    budget_round = make_round(ballot_format="cumulative")
    budget = budget_round.budgets[0]
    a = budget.projects[0].id
    assert services.parse_choices(budget_round, budget, MultiDict({f"points-{a}": "4", "points-999": "0"})) == {a: 4}
    refused("bad_points", lambda: services.parse_choices(budget_round, budget, MultiDict({f"points-{a}": "-1"})))
    refused("bad_points", lambda: services.parse_choices(budget_round, budget, MultiDict({f"points-{a}": "two"})))


def test_unknown_or_other_budgets_project_is_refused():
    budget_round = make_round()
    own, other = budget_round.budgets
    voter = services.account_voter(budget_round, make_voter(own.district))
    refused("unknown_project", lambda: services.cast_ballot(voter, own, {other.projects[0].id: 1}))
    refused("unknown_project", lambda: services.cast_ballot(voter, own, {987654: 1}))
    assert ballots() == []


# --- changing, receipts, replay ---------------------------------------------------------------


def test_change_updates_the_same_row_and_issues_a_new_receipt():
    budget_round = make_round(projects=3)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, c = project_ids(budget)
    first = services.cast_ballot(voter, budget, {a: 1, b: 1})
    db.session.commit()
    assert services.find_receipt(formatted(first.receipt)).id == first.ballot.id
    second = services.cast_ballot(voter, budget, {c: 1}, expected_version=1)
    db.session.commit()
    assert second.changed and second.ballot.id == first.ballot.id
    assert [(b.version, b.changes) for b in ballots()] == [(2, 1)]
    assert db.session.execute(db.select(BallotChoice.project_id)).scalars().all() == [c]
    assert services.find_receipt(first.receipt) is None  # only the newest receipt is valid
    assert services.find_receipt(second.receipt.lower()).id == first.ballot.id


def test_replayed_form_is_refused_and_changes_nothing():
    budget_round = make_round(projects=3)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, _c = project_ids(budget)
    services.cast_ballot(voter, budget, {a: 1})
    db.session.commit()
    refused("replayed", lambda: services.cast_ballot(voter, budget, {b: 1}))  # the first form, sent again
    services.cast_ballot(voter, budget, {b: 1}, expected_version=1)
    db.session.commit()
    refused("replayed", lambda: services.cast_ballot(voter, budget, {a: 1}, expected_version=1))
    assert ballots()[0].points_by_project() == {b: 1}


def test_vote_after_closing_is_refused():
    budget_round = make_round()
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    budget_round.voting_closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused("voting_closed", lambda: services.cast_ballot(voter, budget, {budget.projects[0].id: 1}))
    assert ballots() == []


# --- eligibility -----------------------------------------------------------------------------


def test_forged_district_is_refused():
    budget_round = make_round()
    own, other = budget_round.budgets
    voter = services.account_voter(budget_round, make_voter(own.district))
    assert services.eligible_budgets(budget_round, voter) == [own]
    refused("forged_district", lambda: services.cast_ballot(voter, other, {other.projects[0].id: 1}))
    assert ballots() == []


def test_age_turning_twelve_this_year():
    budget_round = make_round()
    budget = budget_round.budgets[0]
    year = utcnow().year
    twelve = services.account_voter(budget_round, make_voter(budget.district, birth_year=year - 12))
    eleven = services.account_voter(budget_round, make_voter(budget.district, birth_year=year - 11))
    assert twelve.old_enough and twelve.age_band == "12-17"
    refused("too_young", lambda: services.cast_ballot(eleven, budget, {budget.projects[0].id: 1}))
    services.cast_ballot(twelve, budget, {budget.projects[0].id: 1})


def test_own_plus_citywide_and_one_district_ballot_per_round():
    budget_round = make_round(eligibility="own_plus_citywide", citywide_cents=200_000_00)
    own, other, citywide = budget_round.budgets
    user = make_voter(own.district)
    voter = services.account_voter(budget_round, user)
    assert services.eligible_budgets(budget_round, voter) == [own, citywide]
    services.cast_ballot(voter, own, {own.projects[0].id: 1})
    services.cast_ballot(voter, citywide, {citywide.projects[0].id: 1})
    db.session.commit()
    # Declaring another district afterwards does not give a second district ballot.
    user.district_id = other.district_id
    db.session.commit()
    moved = services.account_voter(budget_round, user)
    refused("other_district_voted", lambda: services.cast_ballot(moved, other, {other.projects[0].id: 1}))
    assert len(ballots()) == 2


def test_any_one_district_lets_the_voter_choose_once():
    budget_round = make_round(eligibility="any_one_district")
    first, second = budget_round.budgets
    voter = services.account_voter(budget_round, make_voter(make_district("Muualla")))
    assert services.eligible_budgets(budget_round, voter) == [first, second]
    services.cast_ballot(voter, second, {second.projects[0].id: 1})
    db.session.commit()
    refused("other_district_voted", lambda: services.cast_ballot(voter, first, {first.projects[0].id: 1}))


def test_database_refuses_a_second_ballot_for_the_same_voter_and_budget():
    from sqlalchemy.exc import IntegrityError

    budget_round = make_round()
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    services.cast_ballot(voter, budget, {budget.projects[0].id: 1})
    db.session.commit()
    copy = Ballot(round_id=budget_round.id, round_budget_id=budget.id, voter_key=voter.key, slot="district-copy",
                  channel=Channel.PAPER, order_seed=1, receipt_hash="x" * 64)
    db.session.add(copy)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_ballot_rows_do_not_name_the_voter(app, monkeypatch):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    user = make_voter(budget.district)
    services.cast_ballot(services.account_voter(budget_round, user), budget, {budget.projects[0].id: 1})
    db.session.commit()
    row = ballots()[0]
    assert not {key.column.table.name for key in Ballot.__table__.foreign_keys} & {"users", "voting_codes"}
    # The key is keyed by the app's secret: without it, it cannot be recomputed from a user id.
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    assert codes.voter_key(budget_round, codes.account_identity(user)) != row.voter_key
    monkeypatch.undo()
    assert codes.voter_key(budget_round, codes.account_identity(user)) == row.voter_key
    other_round = make_round(districts=[budget.district])
    assert services.account_voter(other_round, user).key != row.voter_key  # rounds cannot be joined


# --- codes -----------------------------------------------------------------------------------


def test_code_batch_stores_only_hashes_and_a_code_votes_once():
    staff = make_user(staff=True)
    budget_round = make_round()
    budget = budget_round.budgets[0]
    batch, plain = services.create_code_batch(staff, budget_round, "Kirjeet", 3, budget.district_id)
    db.session.commit()
    assert len(set(plain)) == 3 and all(len(code) == 14 for code in plain)
    stored = {code.code_hash for code in batch.codes}
    assert not any(normalise(code) in hashed for code in plain for hashed in stored)

    code = services.check_code(budget_round, plain[0].lower().replace("-", " "))
    voter = services.code_voter(budget_round, code)
    result = services.cast_ballot(voter, budget, {budget.projects[0].id: 1})
    db.session.commit()
    assert code.used_at is not None
    # The same sitting may change its ballot ...
    owner = services.code_voter(budget_round, code, owned=[result.ballot.id])
    services.cast_ballot(owner, budget, {budget.projects[1].id: 1}, expected_version=1)
    db.session.commit()
    # ... but nobody may use the code again.
    refused("code_reused", lambda: services.check_code(budget_round, plain[0]))
    stranger = services.code_voter(budget_round, code)
    refused("code_reused", lambda: services.cast_ballot(stranger, budget, {budget.projects[0].id: 1}, expected_version=2))
    refused("code_unknown", lambda: services.check_code(budget_round, "AAAA-BBBB-CCCC"))
    assert len(ballots()) == 1


def test_popup_code_binds_the_district_of_its_first_ballot():
    staff = make_user(staff=True)
    budget_round = make_round()
    first, second = budget_round.budgets
    _batch, plain = services.create_code_batch(staff, budget_round, "Pop-up", 1)
    code = services.check_code(budget_round, plain[0])
    services.cast_ballot(services.code_voter(budget_round, code, declared_district_id=first.district_id), first,
                         {first.projects[0].id: 1})
    db.session.commit()
    assert code.district_id == first.district_id
    other = services.code_voter(budget_round, code, declared_district_id=second.district_id)
    refused("forged_district", lambda: services.cast_ballot(other, second, {second.projects[0].id: 1}))


# --- audit -----------------------------------------------------------------------------------


def test_cast_and_refusals_are_audited_without_content_or_voter():
    budget_round = make_round(projects=3)
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    a, b, c = project_ids(budget)
    services.cast_ballot(voter, budget, {a: 1})
    db.session.commit()
    refused("over_choices", lambda: services.cast_ballot(voter, budget, {a: 1, b: 1, c: 1}, expected_version=1))
    cast, = events("voting.ballot_cast")
    assert cast.actor_id is None
    assert cast.details == {"round_id": budget_round.id, "budget_id": budget.id, "channel": "online"}
    refusal, = events("voting.ballot_refused")
    assert refusal.actor_id is None
    assert refusal.details == {"reason": "over_choices", "round_id": budget_round.id, "budget_id": budget.id,
                               "channel": "online"}
    assert services.refusals(budget_round) == [refusal]


def test_a_ballot_cast_outside_any_request_records_no_page_language(app):
    """The demo casts ballots from the command line: there is no page, and no request to read a language from."""
    import threading

    budget_round = make_round()
    budget = budget_round.budgets[0]
    voter = services.account_voter(budget_round, make_voter(budget.district))
    budget_id, project_id = budget.id, budget.projects[0].id
    db.session.commit()
    cast = []

    def as_a_command():  # a thread of its own: no request context, as `flask pb seed-demo` runs
        with app.app_context():
            cast.append(services.cast_ballot(voter, db.session.get(RoundBudget, budget_id), {project_id: 1}).ballot_id)
            db.session.commit()

    command = threading.Thread(target=as_a_command)
    command.start()
    command.join()
    assert cast and db.session.get(Ballot, cast[0]).language is None
