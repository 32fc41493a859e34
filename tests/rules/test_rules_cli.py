"""``python -m pb.rules``: output shapes and one-line errors with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pb.rules import read_pabulib_text, write_pabulib

from .test_rules_pabulib_io import APPROVAL

REPO = Path(__file__).resolve().parents[2]


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pb.rules", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def election_file(tmp_path):
    path = tmp_path / "election.pb"
    write_pabulib(read_pabulib_text(APPROVAL), path)
    return path


def test_tally_json_has_the_outcome_and_every_project(election_file):
    result = cli("tally", election_file, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["rule"], data["budget"], data["spent"], data["selected"]) == ("greedy", 100, 90, ["a", "b"])
    assert [p["id"] for p in data["projects"]] == ["a", "b", "c"]
    assert data["projects"][2] == {
        "id": "c",
        "cost": 30,
        "score": 1,
        "supporters": 1,
        "selected": False,
        "reason": {"kind": "greedy_does_not_fit", "rank": 3, "money_left": 10},
    }


def test_tally_table_and_rule_and_threshold_options(election_file):
    table = cli("tally", election_file, "--rule", "greedy-threshold", "--threshold", "2")
    assert table.returncode == 0, table.stderr
    assert "rule greedy-threshold: 2 of 3 projects funded, spent 90 of 100" in table.stdout
    assert "score below threshold 2" in table.stdout


def test_check_prints_a_summary(election_file):
    result = cli("check", election_file)
    assert result.returncode == 0, result.stderr
    assert "voters: 3 (3 distinct ballots, 1-2 projects each)" in result.stdout
    assert "no warnings" in result.stdout


def test_check_warns_where_the_file_disagrees_with_itself(tmp_path):
    text = APPROVAL.replace("num_votes;3", "num_votes;4").replace("rule;greedy", "rule;greedy\nmax_length;1")
    text = text.replace("project_id;cost;name", "project_id;cost;name;votes").replace("Alpha", "Alpha;2")
    text = text.replace("Beta", "Beta;9").replace("Gamma", "Gamma;1")
    path = tmp_path / "odd.pb"
    path.write_text(text, encoding="utf-8")
    result = cli("check", path)
    assert result.returncode == 0, result.stderr
    assert "warning: META num_votes is 4, the file has 3" in result.stdout
    assert "warning: 2 voters' ballots break META max_length 1" in result.stdout
    assert "warning: PROJECTS column 'votes' differs from the ballots for 1 projects, e.g. b" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tally", "{bad}"), "line 9: budget is not a positive number"),
        (("check", "{bad}"), "line 9: budget is not a positive number"),
        (("tally", "{missing}"), "No such file or directory"),
        (("tally", "{good}", "--rule", "majority"), "unknown rule 'majority'"),
        (("tally", "{good}", "--rule", "greedy", "--threshold", "3"), "only to greedy-threshold"),
    ],
    ids=["malformed", "malformed-check", "missing-file", "unknown-rule", "misplaced-threshold"],
)
def test_bad_input_exits_2_with_one_line(tmp_path, election_file, args, message):
    bad = tmp_path / "bad.pb"
    bad.write_text(APPROVAL.replace("budget;100", "budget;0"), encoding="utf-8")
    paths = {"bad": bad, "missing": tmp_path / "nothing.pb", "good": election_file}
    result = cli(*(arg.format(**paths) for arg in args))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("pb.rules: error: ") and message in result.stderr


def test_a_real_file_tallies_by_its_meta_rule(pabulib_dir):
    result = cli("tally", pabulib_dir / "Poland_Gdynia_2023_Chwarzno-Wiczlino__small.pb", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rule"] == "greedy-no-skip" and len(data["selected"]) == 7


def test_check_hash_prints_the_check_code_of_the_inputs(election_file):
    import hashlib

    canonical = [
        "pb-tally-inputs 1",
        "rule greedy",
        "threshold -",
        "vote_type approval",
        "unit 1",
        "budget 100",
        "project a 50",
        "project b 40",
        "project c 30",
        "ballot 1 a:1,b:1",
        "ballot 1 a:1,c:1",
        "ballot 1 b:1",
    ]
    expected = hashlib.sha256("".join(line + "\n" for line in canonical).encode()).hexdigest()
    result = cli("check", election_file, "--hash")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"inputs hash: {expected}"
    assert "no warnings" in result.stdout  # the summary comes first, as without --hash


def test_check_hash_takes_the_threshold_of_greedy_threshold_and_ignores_ballot_order(tmp_path):
    from pb.rules.inputs_hash import inputs_hash

    text = APPROVAL.replace("rule;greedy", "rule;greedy-threshold\nmin_project_score_threshold;2")
    reordered = text.replace("1;a,b\n2;b\n3;c,a", "7;b\n8;a,c\n9;b,a")
    hashes = []
    for name, content in (("one.pb", text), ("two.pb", reordered)):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = cli("check", path, "--hash")
        assert result.returncode == 0, result.stderr
        hashes.append(result.stdout.splitlines()[-1].removeprefix("inputs hash: "))
    assert hashes[0] == hashes[1] == inputs_hash(read_pabulib_text(text), "greedy-threshold", 2)
    assert hashes[0] != inputs_hash(read_pabulib_text(text), "greedy-threshold", 3)


def test_check_hash_compares_with_the_files_own_inputs_hash(tmp_path, election_file):
    result = cli("check", election_file, "--hash")
    computed = result.stdout.splitlines()[-1].removeprefix("inputs hash: ")
    text = election_file.read_text(encoding="utf-8")
    same, other = tmp_path / "same.pb", tmp_path / "other.pb"
    same.write_text(text.replace("rule;greedy", f"rule;greedy\r\ninputs_hash;{computed}"), encoding="utf-8")
    other.write_text(text.replace("rule;greedy", f"rule;greedy\r\ninputs_hash;{'0' * 64}"), encoding="utf-8")

    result = cli("check", same, "--hash")
    assert result.returncode == 0 and "inputs hash matches META inputs_hash" in result.stdout
    result = cli("check", other, "--hash")
    assert result.returncode == 1
    assert f"inputs hash: {computed}" in result.stdout and f"warning: META inputs_hash is {'0' * 64}" in result.stdout



def test_check_hash_needs_the_threshold_of_greedy_threshold(tmp_path):
    path = tmp_path / "nothreshold.pb"
    path.write_text(APPROVAL.replace("rule;greedy", "rule;greedy-threshold"), encoding="utf-8")
    result = cli("check", path, "--hash")
    assert result.returncode == 2
    assert "META rule greedy-threshold needs META min_project_score_threshold" in result.stderr
