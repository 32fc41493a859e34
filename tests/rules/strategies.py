"""Hypothesis strategies and settings shared by the tally-engine tests."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from pb.rules import Project, make_instance

# Derandomized so every run checks the same examples; no example database on disk.
RULES_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)

META = {
    "description": "Test election",
    "country": "Finland",
    "unit": "Testilä",
    "instance": "2025",
    "rule": "greedy",
    "date_begin": "01.01.2025",
    "date_end": "31.01.2025",
}


def votes_strategy(vote_type: str, n_projects: int, max_voters: int):
    project = st.integers(0, n_projects - 1)
    if vote_type in ("cumulative", "scoring"):
        vote = st.dictionaries(project, st.integers(1, 5), max_size=n_projects)
    elif vote_type == "ordinal":
        vote = st.lists(project, unique=True, max_size=min(3, n_projects))
    elif vote_type == "choose-1":
        vote = st.lists(project, max_size=1)
    else:
        vote = st.lists(project, unique=True, max_size=n_projects)
    return st.lists(vote, max_size=max_voters)


@st.composite
def instances(draw, vote_type=None, max_projects=7, max_voters=15, names=st.none()):
    """Small random instances; project ids p0, p1, ... in file order."""
    vote_type = vote_type or draw(st.sampled_from(["approval", "choose-1", "cumulative", "ordinal", "scoring"]))
    n_projects = draw(st.integers(1, max_projects))
    costs = draw(st.lists(st.integers(1, 60), min_size=n_projects, max_size=n_projects))
    budget = draw(st.integers(1, sum(costs) + 10))
    projects = [Project(id=f"p{i}", cost=cost, name=draw(names)) for i, cost in enumerate(costs)]
    raw_votes = draw(votes_strategy(vote_type, n_projects, max_voters))
    if vote_type in ("cumulative", "scoring"):
        votes = [{f"p{i}": points for i, points in vote.items()} for vote in raw_votes]
    else:
        votes = [[f"p{i}" for i in vote] for vote in raw_votes]
    meta = dict(META)
    if vote_type == "cumulative":
        meta["max_sum_points"] = str(5 * n_projects)
    if vote_type == "ordinal":
        meta["max_length"] = "3"
    return make_instance(projects, budget, votes, vote_type=vote_type, meta=meta, max_ranking=3)
