"""The published check code (inputs hash) can be recomputed from the downloaded ``.pb`` file with
``python -m pb.rules check FILE --hash``, by the same code that computed it from the database."""

import subprocess
import sys
from pathlib import Path

import pytest

import pb.rules.inputs_hash
from pb.tally import services
from pb.voting.models import BallotFormat, Channel
from tests.tally.support import add_ballots, make_round, published, secrecy_minimum

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def every_group_shown(app, monkeypatch):
    """Small budgets here publish their files; secrecy is tested in test_secrecy.py."""
    secrecy_minimum(monkeypatch, app, 1)


def check_hash(path):
    return subprocess.run(
        [sys.executable, "-m", "pb.rules", "check", str(path), "--hash"],
        check=False, cwd=REPO, capture_output=True, text=True, timeout=60,
    )


def approval_budget():
    budget = make_round().budgets[0]
    park, benches, library, gym = budget.projects
    add_ballots(budget, [[park, benches], [park, gym], [park, benches, gym], [library]])
    add_ballots(budget, [[]], channel=Channel.PAPER)  # an empty ballot is part of the inputs too
    return budget


def cumulative_threshold_budget():
    budget = make_round(ballot_format=BallotFormat.CUMULATIVE, points=5, rule="greedy-threshold", threshold=4).budgets[0]
    park, benches, library, gym = budget.projects
    add_ballots(budget, [{park: 3, benches: 2}, {benches: 5}, {library: 1, gym: 4}, {park: 2}])
    return budget


@pytest.mark.parametrize("make_budget", [approval_budget, cumulative_threshold_budget], ids=["approval", "cumulative"])
def test_the_downloaded_file_gives_the_published_check_code(app, client, tmp_path, make_budget):
    budget = make_budget()
    run = published(app, budget)
    response = client.get(f"/results/budgets/{budget.id}/ballots.pb")
    assert response.status_code == 200
    path = tmp_path / f"ballots-{budget.id}.pb"
    path.write_bytes(response.data)

    result = check_hash(path)
    assert result.returncode == 0, result.stderr
    assert f"inputs hash: {run.inputs_hash}\n" in result.stdout
    assert "inputs hash matches META inputs_hash" in result.stdout

    # One ballot more in the file: another code, and the command says the file's META does not fit.
    text = response.get_data(as_text=True)
    votes = text.split("VOTES", 1)[1].strip().splitlines()
    last_voter = votes[-1].split(";", 1)[0]
    path.write_text(text.rstrip("\r\n") + "\r\n" + votes[-1].replace(last_voter, "9999", 1) + "\r\n")
    result = check_hash(path)
    assert result.returncode == 1
    assert run.inputs_hash not in result.stdout.split("inputs hash: ", 1)[1].splitlines()[0]
    assert "warning: META inputs_hash is" in result.stdout


def test_the_results_page_says_how_to_recompute_the_check_code(app, client):
    budget = approval_budget()
    run = published(app, budget)
    html = client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert run.inputs_hash in html
    assert f"python -m pb.rules check ballots-{budget.id}.pb --hash" in html
    assert "To compute the check code yourself" in html


def test_the_tally_and_the_command_line_share_one_implementation():
    assert services.inputs_hash is pb.rules.inputs_hash.inputs_hash
    assert services.canonical_inputs is pb.rules.inputs_hash.canonical_inputs
