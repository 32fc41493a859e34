"""Open data: the anonymised .pb file recounts to the stored outcome and hash; real pabulib data imports."""

import json

import pytest

from pb.extensions import db
from pb.rules import read_pabulib, read_pabulib_text, tally
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import Ballot, BallotFormat, BudgetRound, Channel
from tests.conftest import PABULIB_DIR, skip_or_fail
from tests.factories import make_user
from tests.helpers import run_queued_jobs
from tests.tally.support import add_ballots, make_round, secrecy_minimum


def count(app, budget):
    services.start_tally(budget, make_user(staff=True))
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return db.session.execute(
        db.select(TallyRun).where(TallyRun.round_budget_id == budget.id).order_by(TallyRun.id.desc())
    ).scalars().first()


def recount(text):
    """What anyone can do with the file alone: read it, count it by its META rule, hash it."""
    instance = read_pabulib_text(text)
    rule = instance.meta["rule"]
    threshold = int(instance.meta["min_project_score_threshold"]) if rule == "greedy-threshold" else None
    outcome = tally(instance, rule, threshold=threshold)
    return instance, json.loads(json.dumps(outcome.as_dict())), services.inputs_hash(instance, rule, threshold)


@pytest.mark.parametrize(
    ("settings", "votes"),
    [
        (dict(rule="equalshares/add1", max_choices=3), lambda p: [[p[0], p[1]], [p[0]], [p[2], p[3]], [p[1], p[2]], []]),
        (dict(rule="greedy", ballot_format=BallotFormat.KNAPSACK), lambda p: [[p[0], p[1]], [p[3]], [p[3], p[2]]]),
        (
            dict(rule="greedy-threshold", threshold=3, ballot_format=BallotFormat.CUMULATIVE, points=5),
            lambda p: [{p[0]: 3, p[1]: 2}, {p[2]: 5}, {p[0]: 1, p[3]: 4}, {p[1]: 1}],
        ),
    ],
    ids=["approval-mes", "knapsack-greedy", "cumulative-threshold"],
)
def test_ballots_file_recounts_to_the_stored_outcome_and_hash(app, client, login, settings, votes, monkeypatch):
    secrecy_minimum(monkeypatch, app, 1)  # small budgets here; the secrecy rule: test_secrecy.py
    budget = make_round(**settings).budgets[0]
    add_ballots(budget, votes(budget.projects))
    add_ballots(budget, votes(budget.projects)[:1], channel=Channel.PAPER)
    run = count(app, budget)
    login(make_user(staff=True))  # not published yet: only staff get the file (tests/tally/test_ballots_file_access.py)

    response = client.get(f"/results/budgets/{budget.id}/ballots.pb")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    instance, outcome, hash_value = recount(text)
    assert outcome == run.outcome
    assert hash_value == run.inputs_hash == instance.meta["inputs_hash"]
    assert instance.ballots.n_voters == run.ballot_count
    assert [p.name for p in instance.projects] == ["Leikkipuisto", "Penkit rannalle", "Kirjastokaappi", "Ulkokuntosali"]


def test_ballots_file_names_nobody(app, client, login):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]], [budget.projects[1]], [budget.projects[0], budget.projects[2]]] * 2)
    login(make_user(staff=True))
    text = client.get(f"/results/budgets/{budget.id}/ballots.pb").get_data(as_text=True)
    secrets = db.session.execute(db.select(Ballot.voter_key, Ballot.receipt_hash, Ballot.id)).all()
    for voter_key, receipt_hash, _ballot_id in secrets:
        assert voter_key not in text and receipt_hash not in text
    votes = text.split("VOTES", 1)[1].strip().splitlines()
    # All six voted online (a group of 6); their age is not known, so the file has no age column.
    assert votes[0].strip() == "voter_id;vote;voting_method"
    assert [row.split(";")[0] for row in votes[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert {row.split(";")[2] for row in votes[1:]} == {"online"}


@pytest.mark.slow
def test_real_pabulib_file_imports_as_a_round_and_counts_to_its_recorded_outcome(app):
    path = PABULIB_DIR / "Poland_Swiecie_2023.pb"
    if not path.exists():
        skip_or_fail(f"real pabulib data not found: {path}")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "import-pabulib", str(path), "--round-name", "Świecie 2023"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    budget_round = db.session.execute(db.select(BudgetRound)).scalar_one()
    [budget] = budget_round.budgets
    original = read_pabulib(path)
    assert budget_round.rule == original.meta["rule"] == "equalshares/add1"
    assert budget.amount_cents == original.budget * 100
    assert db.session.scalar(db.select(db.func.count(Ballot.id))) == original.ballots.n_voters == 2553

    run = count(app, budget)
    file_id = {str(project.id): original.projects[project.position].id for project in budget.projects}
    selected = sorted(file_id[project_id] for project_id in run.outcome["selected"])
    assert selected == sorted(original.recorded_selection())
    assert run.ballot_count == 2553
