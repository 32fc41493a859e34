"""Reading and writing .pb files: format features, every error with its line, round trips."""

import io
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pb.rules import PabulibError, Project, make_instance, pabulib_text, read_pabulib, read_pabulib_text, write_pabulib
from pb.rules.pabulib import COMPUTED_META, format_amount

from .strategies import RULES_SETTINGS, instances

try:
    import pabutools.election as pabutools_election
except ImportError:
    pabutools_election = None
needs_pabutools = pytest.mark.skipif(
    pabutools_election is None, reason="pabutools (the reference implementation) is not installed"
)

APPROVAL = """META
key;value
description;Test
country;Finland
unit;Testilä
instance;2025
num_projects;3
num_votes;3
budget;100
vote_type;approval
rule;greedy
date_begin;2025
date_end;2025
PROJECTS
project_id;cost;name
a;50;Alpha
b;40;Beta
c;30;Gamma
VOTES
voter_id;vote
1;a,b
2;b
3;c,a
"""

CUMULATIVE = (
    APPROVAL.replace("vote_type;approval", "vote_type;cumulative\nmax_sum_points;5\nmax_points;4")
    .replace("voter_id;vote\n", "voter_id;vote;points\n")
    .replace("1;a,b\n2;b\n3;c,a\n", "1;a,b;3,2\n2;b;4\n3;c,a;1,1\n")
)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def replaced(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


# (case id, base text, old, new, line holding the error (fragment of it, in the new text), message)
MALFORMED = [
    ("unknown-section", APPROVAL, "c;30;Gamma\n", "c;30;Gamma\nBALLOTS\n", "BALLOTS", "unknown section 'BALLOTS'"),
    ("missing-meta-key", APPROVAL, "budget;100\n", "", "PROJECTS", "mandatory key 'budget'"),
    ("duplicate-project", APPROVAL, "c;30;Gamma", "a;30;Gamma", "a;30;Gamma", "project id 'a' appears twice"),
    ("unknown-project", APPROVAL, "3;c,a", "3;c,x", "3;c,x", "unknown project 'x'"),
    ("cost-zero", APPROVAL, "b;40;Beta", "b;0;Beta", "b;0;Beta", "cost of project 'b' is not a positive number"),
    ("cost-negative", APPROVAL, "b;40;Beta", "b;-5;Beta", "b;-5;Beta", "not a positive number"),
    ("cost-text", APPROVAL, "b;40;Beta", "b;forty;Beta", "b;forty", "not a positive number: 'forty'"),
    ("budget-text", APPROVAL, "budget;100", "budget;lots", "budget;lots", "budget is not a positive number"),
    ("budget-huge", APPROVAL, "budget;100", "budget;1e16", "budget;1e16", "budget is too large"),
    ("cost-huge", APPROVAL, "b;40;Beta", "b;2000000000000000;Beta", "b;2000", "cost of project 'b' is too large"),
    ("unknown-section-in-votes", APPROVAL, "3;c,a\n", "3;c,a\nBALLOTS\n", "BALLOTS", "unknown section 'BALLOTS'"),
    ("duplicate-meta-key", APPROVAL, "country;Finland\n", "country;Finland\ncountry;Sweden\n", "Sweden", "appears twice"),
    ("empty-meta-key", APPROVAL, "country;Finland\n", "country;Finland\n;x\n", ";x", "empty key"),
    ("meta-header", APPROVAL, "key;value", "key;value;note", "key;value;note", "META header must be 'key;value'"),
    ("vote-type", APPROVAL, "vote_type;approval", "vote_type;veto", "vote_type", "unknown vote_type 'veto'"),
    ("integer-meta", APPROVAL, "rule;greedy\n", "rule;greedy\nmax_length;five\n", "max_length", "max_length is not a whole number"),
    ("no-meta-first", APPROVAL, "META\n", "hello;world\nMETA\n", "hello", "must start with META"),
    ("section-order", APPROVAL, "PROJECTS\n", "VOTES\n", "VOTES", "section VOTES found where PROJECTS was expected"),
    ("late-section", APPROVAL, "3;c,a\n", "3;c,a\nmeta\n", "meta", "section META found where the file should end"),
    ("field-count", APPROVAL, "2;b\n", "2;b;extra\n", "2;b;extra", "VOTES row has 3 fields but the header has 2"),
    ("project-field-count", APPROVAL, "b;40;Beta", "b;40", "b;40", "PROJECTS row has 2 fields but the header has 3"),
    ("project-twice-in-vote", APPROVAL, "1;a,b\n", "1;a,b,a\n", "1;a,b,a", "the same project twice"),
    ("projects-header", APPROVAL, "project_id;cost;name", "project_id;price;name", "price", "lacks column 'cost'"),
    ("votes-header", APPROVAL, "voter_id;vote", "id;vote", "id;vote", "lacks column 'voter_id'"),
    ("repeated-column", APPROVAL, "project_id;cost;name", "project_id;cost;cost", "project_id", "repeats column 'cost'"),
    ("duplicate-voter", APPROVAL, "2;b\n", "1;b\n", "1;b", "voter_id '1' appears twice"),
    ("empty-project-id", APPROVAL, "b;40;Beta", ";40;Beta", ";40;Beta", "project_id is empty"),
    ("bad-quotes", APPROVAL, "b;40;Beta", 'b;40;"Be"ta', "Be", "badly quoted field"),
    ("no-votes", APPROVAL, "VOTES\nvoter_id;vote\n1;a,b\n2;b\n3;c,a\n", "", "c;30", "without a complete VOTES section"),
    ("no-votes-header", APPROVAL, "voter_id;vote\n1;a,b\n2;b\n3;c,a\n", "", "VOTES", "without a complete VOTES section"),
    (
        "choose-1",
        APPROVAL.replace("approval", "choose-1").replace("1;a,b\n2;b\n3;c,a", "1;a\n2;b\n3;c"),
        "2;b\n",
        "2;b,c\n",
        "2;b,c",
        "a choose-1 vote names 2 projects",
    ),
    (
        "ranking-too-long",
        APPROVAL.replace("approval", "ordinal\nmax_length;2"),
        "2;b\n",
        "2;b,c,a\n",
        "2;b,c,a",
        "the ranking has 3 projects, over max_length 2",
    ),
    ("over-max-sum-points", CUMULATIVE, "1;a,b;3,2", "1;a,b;4,2", "1;a,b;4,2", "6 points, over max_sum_points 5"),
    ("over-max-points", CUMULATIVE, "2;b;4", "2;b;5", "2;b;5", "more than max_points 4"),
    ("points-count", CUMULATIVE, "3;c,a;1,1", "3;c,a;1", "3;c,a;1", "names 2 projects but gives 1 points"),
    ("points-text", CUMULATIVE, "3;c,a;1,1", "3;c,a;1,x", "3;c,a;1,x", "whole numbers"),
    ("points-negative", CUMULATIVE, "3;c,a;1,1", "3;c,a;2,-1", "3;c,a;2,-1", "must not be negative"),
    ("points-column", CUMULATIVE, "voter_id;vote;points", "voter_id;vote;pts", "pts", "lacks column 'points'"),
    ("cumulative-needs-max-sum", CUMULATIVE, "max_sum_points;5\n", "", "PROJECTS", "'max_sum_points', mandatory for cumulative"),
]


@pytest.mark.parametrize(("base", "old", "new", "fragment", "message"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_malformed_files_name_the_line_and_the_problem(base, old, new, fragment, message):
    text = replaced(base, old, new)
    with pytest.raises(PabulibError) as caught:
        read_pabulib_text(text)
    line = line_of(text, fragment)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert message in str(caught.value)


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path):
    path = tmp_path / "latin1.pb"
    path.write_bytes(APPROVAL.encode().replace(b"Beta", b"B\xe9ta"))
    with pytest.raises(PabulibError, match=f"^line {line_of(APPROVAL, 'Beta')}: the file is not UTF-8"):
        read_pabulib(path)


def test_the_base_files_are_valid():
    approval = read_pabulib_text(APPROVAL)
    assert approval.budget == 100 and approval.unit == 1
    assert [(p.id, p.cost, p.name) for p in approval.projects] == [("a", 50, "Alpha"), ("b", 40, "Beta"), ("c", 30, "Gamma")]
    assert approval.scores().tolist() == [2, 2, 1]
    cumulative = read_pabulib_text(CUMULATIVE)
    assert cumulative.scores().tolist() == [4, 6, 1]
    assert cumulative.supporters().tolist() == [2, 2, 1]


def test_bom_crlf_case_blank_lines_none_and_quotes_are_understood():
    text = (
        "\ufeff" + APPROVAL.replace("META\n", "meta\n").replace("PROJECTS\n", "\nProjects\n\n")
    ).replace("a;50;Alpha", 'a;50;"Alpha; the ""first"""').replace("c;30;Gamma", "c;30;None")
    text = text.replace("\n", "\r\n")
    instance = read_pabulib(io.StringIO(text, newline=""))
    assert instance.projects[0].name == 'Alpha; the "first"'
    assert instance.projects[2].name is None
    assert instance.meta["country"] == "Finland"


def test_decimal_amounts_become_minor_units():
    instance = read_pabulib_text(replaced(replaced(APPROVAL, "a;50;", "a;12.50;"), "b;40;", "b;7,5;"))
    assert instance.unit == 100
    assert instance.budget == 10_000
    assert instance.costs.tolist() == [1250, 750, 3000]
    assert format_amount(1250, 100) == "12.50"
    written = read_pabulib_text(pabulib_text(instance))
    assert (written.unit, written.budget, written.costs.tolist()) == (100, 10_000, [1250, 750, 3000])


def test_ordinal_rankings_score_k_minus_position_plus_one():
    text = APPROVAL.replace("approval", "ordinal").replace("2;b\n", "2;b,c,a\n")
    instance = read_pabulib_text(text)
    assert instance.scores().tolist() == [3 + 1 + 2, 2 + 3, 3 + 2]


def test_categories_targets_and_other_columns_are_kept():
    text = replaced(APPROVAL, "project_id;cost;name\na;50;Alpha", "project_id;cost;name;category;target;selected\na;50;Alpha;x, y;kids;1")
    text = text.replace("b;40;Beta", "b;40;Beta;;;0").replace("c;30;Gamma", "c;30;Gamma;none;none;0")
    instance = read_pabulib_text(text)
    assert instance.projects[0].categories == ("x", "y")
    assert instance.projects[0].targets == ("kids",)
    assert instance.projects[1].categories == ()
    assert instance.recorded_selection() == ["a"]


def test_voter_ids_and_columns_are_kept_only_when_asked():
    text = APPROVAL.replace("voter_id;vote\n1;a,b\n2;b\n3;c,a", "voter_id;vote;age;sex\nv1;a,b;31;F\nv2;b;none;\nv3;a,c;31;M")
    instance = read_pabulib_text(text)
    assert instance.voters.ids == ["v1", "v2", "v3"]
    assert instance.voters.columns == {"age": ["31", None, "31"], "sex": ["F", None, "M"]}
    assert instance.voters.ballot.tolist() == [0, 1, 2]
    assert read_pabulib_text(text, keep_voters=False).voters is None
    assert "v2;b;;" in pabulib_text(instance)
    assert read_pabulib_text(pabulib_text(instance)) == instance


def test_the_writer_needs_pabulibs_mandatory_meta_and_writable_ids():
    with pytest.raises(ValueError, match="description, country"):
        pabulib_text(make_instance([Project("a", 1)], 1, [["a"]]))
    with pytest.raises(ValueError, match="project id 'a,b' cannot be written"):
        pabulib_text(make_instance([Project("a,b", 1)], 1, [], meta=read_pabulib_text(APPROVAL).meta))


def assert_same_election(read_back, original):
    assert read_back.budget == original.budget
    assert read_back.unit == original.unit
    assert read_back.vote_type == original.vote_type
    assert read_back.projects == original.projects
    assert read_back.ballots == original.ballots
    assert {k: v for k, v in read_back.meta.items() if k not in COMPUTED_META} == {
        k: v for k, v in original.meta.items() if k not in COMPUTED_META
    }


NAMES = st.none() | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda name: name.strip() == name and name.lower() != "none"
)


@RULES_SETTINGS
@given(instances(names=NAMES))
def test_write_then_read_gives_the_same_instance(instance):
    read_back = read_pabulib_text(pabulib_text(instance))
    assert_same_election(read_back, instance)
    # A second round keeps the voter ids and columns the first read created.
    assert read_pabulib_text(pabulib_text(read_back)) == read_back


def test_write_pabulib_accepts_a_path_and_a_stream(tmp_path):
    instance = read_pabulib_text(APPROVAL)
    write_pabulib(instance, tmp_path / "out.pb")
    stream = io.StringIO()
    write_pabulib(instance, stream, with_voters=False)
    assert read_pabulib(tmp_path / "out.pb") == instance
    assert_same_election(read_pabulib_text(stream.getvalue()), instance)


# --- pabutools reads what we write -------------------------------------------------------


def our_ballots(instance) -> Counter:
    ids = instance.project_ids
    ballots = instance.ballots
    counter = Counter()
    for b in range(ballots.n_distinct):
        indices, points = ballots.row(b)
        if instance.vote_type == "ordinal":
            key = tuple(ids[i] for i in indices[(-points).argsort(kind="stable")])
        elif instance.vote_type in ("cumulative", "scoring"):
            key = frozenset((ids[i], int(p)) for i, p in zip(indices, points))
        else:
            key = frozenset(ids[i] for i in indices)
        counter[key] += int(ballots.multiplicity[b])
    return counter


def pabutools_ballots(profile, vote_type) -> Counter:
    counter = Counter()
    for ballot in profile:
        if vote_type == "ordinal":
            counter[tuple(p.name for p in ballot)] += 1
        elif vote_type in ("cumulative", "scoring"):
            counter[frozenset((p.name, int(points)) for p, points in ballot.items())] += 1
        else:
            counter[frozenset(p.name for p in ballot)] += 1
    return counter


def assert_pabutools_reads_the_same(path, instance):
    pabutools_instance, profile = pabutools_election.parse_pabulib(str(path))
    assert pabutools_instance.budget_limit == Fraction(instance.budget, instance.unit)
    assert {p.name: p.cost for p in pabutools_instance} == {p.id: Fraction(p.cost, instance.unit) for p in instance.projects}
    assert pabutools_ballots(profile, instance.vote_type) == our_ballots(instance)


SAFE_NAMES = st.none() | st.text("abcdefghij äö-", min_size=1, max_size=10).filter(lambda n: n.strip() == n and n.lower() != "none")


@needs_pabutools
@RULES_SETTINGS
@given(instances(names=SAFE_NAMES))
def test_pabutools_reads_what_we_write(instance):
    # A temporary folder per example: hypothesis cannot reuse pytest's tmp_path.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "written.pb"
        write_pabulib(instance, path)
        assert_pabutools_reads_the_same(path, instance)
