"""Ballot storage: canonical keys, multiplicities, points per vote type, scores."""

import numpy as np
import pytest

from pb.rules import Project, make_instance
from pb.rules.model import BallotsBuilder, ordinal_points

PROJECTS = [Project("a", 10), Project("b", 20), Project("c", 30)]


def rows(instance):
    ballots = instance.ballots
    return [
        (dict(zip(ballots.row(b)[0].tolist(), ballots.row(b)[1].tolist())), int(ballots.multiplicity[b]))
        for b in range(ballots.n_distinct)
    ]


def test_identical_approval_ballots_are_merged_whatever_the_order():
    instance = make_instance(PROJECTS, 50, [["b", "a"], ["a", "b"], ["c"], ["a", "b"]])
    assert rows(instance) == [({0: 1, 1: 1}, 3), ({2: 1}, 1)]
    assert instance.ballots.n_voters == 4
    assert instance.ballots.indptr.tolist() == [0, 2, 3]
    assert instance.scores().tolist() == [3, 3, 1]
    assert instance.supporters().tolist() == [3, 3, 1]


def test_ordinal_points_give_the_first_choice_k_points_even_on_a_short_ranking():
    instance = make_instance(PROJECTS, 50, [["c", "a", "b"], ["a", "c"]], vote_type="ordinal", max_ranking=3)
    assert rows(instance) == [({2: 3, 0: 2, 1: 1}, 1), ({0: 3, 2: 2}, 1)]
    assert instance.scores().tolist() == [5, 1, 5]
    assert ordinal_points(2, 3) == [3, 2]
    with pytest.raises(ValueError, match="more than 3"):
        ordinal_points(4, 3)


def test_ordinal_ballots_differing_only_in_order_stay_apart():
    instance = make_instance(PROJECTS, 50, [["a", "b"], ["b", "a"], ["a", "b"]], vote_type="ordinal")
    assert rows(instance) == [({0: 2, 1: 1}, 2), ({1: 2, 0: 1}, 1)]


def test_cumulative_points_are_summed_and_zero_points_dropped():
    votes = [{"a": 2, "b": 1}, {"b": 1, "a": 2}, {"c": 3, "a": 0}]
    instance = make_instance(PROJECTS, 50, votes, vote_type="cumulative")
    assert rows(instance) == [({0: 2, 1: 1}, 2), ({2: 3}, 1)]
    assert instance.scores().tolist() == [4, 2, 3]
    assert instance.supporters().tolist() == [2, 2, 1]


def test_empty_ballots_count_as_voters():
    instance = make_instance(PROJECTS, 50, [[], ["a"], []])
    assert rows(instance) == [({}, 2), ({0: 1}, 1)]
    assert instance.ballots.n_voters == 3


def test_a_project_named_twice_on_one_ballot_is_refused():
    builder = BallotsBuilder()
    with pytest.raises(ValueError, match="twice"):
        builder.add([1, 0, 1])
    with pytest.raises(ValueError, match="twice"):
        builder.add([1, 1], [2, 3])


def test_make_instance_refuses_unknown_vote_types_and_duplicate_ids():
    with pytest.raises(ValueError, match="vote type"):
        make_instance(PROJECTS, 50, [], vote_type="veto")
    with pytest.raises(ValueError, match="duplicate"):
        make_instance([Project("a", 1), Project("a", 2)], 50, [])


def test_ballots_compare_by_content():
    first = make_instance(PROJECTS, 50, [["a"], ["b"]]).ballots
    assert first == make_instance(PROJECTS, 50, [["a"], ["b"]]).ballots
    assert first != make_instance(PROJECTS, 50, [["a"], ["a"]]).ballots
    assert first.indices.dtype == np.int32 and first.points.dtype == np.int64


def test_recorded_selection_reads_only_selected_equal_to_one():
    projects = [
        Project("a", 1, extra={"selected": "1"}),
        Project("b", 1, extra={"selected": "2"}),
        Project("c", 1, extra={"selected": "0"}),
    ]
    assert make_instance(projects, 5, []).recorded_selection() == ["a"]
    assert make_instance(PROJECTS, 5, []).recorded_selection() is None
