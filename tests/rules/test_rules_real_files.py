"""The real pabulib elections in ../shared/data/pabulib: read all, reproduce recorded outcomes."""

from functools import cache
from pathlib import Path

import pytest

from pb.rules import pabulib_text, read_pabulib, read_pabulib_text, tally

from .test_rules_pabulib_io import assert_pabutools_reads_the_same, needs_pabutools

GREEDY_FAMILY = [
    "Poland_Czestochowa_2024_Mirow.pb",
    "Poland_Czestochowa_2024_Polnoc.pb",
    "Poland_Gdynia_2023_Chwarzno-Wiczlino__small.pb",
    "Poland_Katowice_2023.pb",
    "Poland_Krakow_2022_Krowodrza.pb",
    "Poland_Krakow_2024.pb",
    "Poland_Lodz_2022.pb",
    "Poland_Warszawa_2025_Rembertow.pb",
    "Poland_Warszawa_2026.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
]
EQUAL_SHARES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
]
# Files whose recorded outcome cannot be checked, with the reason.
UNCHECKABLE = {
    "Netherlands_Amsterdam_166.pb": "real rule is greedy with a cost cap per category (META budget_per_category); no selected column",
    "Poland_Krakow_2018_Swoszowice.pb": "no selected column: the real outcome is not recorded",
}
SMALL = [
    "Netherlands_Amsterdam_166.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2024_Mirow.pb",
    "Poland_Krakow_2018_Swoszowice.pb",
    "Poland_Krakow_2022_Krowodrza.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2025_Rembertow.pb",
]


@cache
def load(folder: Path, name: str, keep_voters: bool = False):
    return read_pabulib(folder / name, keep_voters=keep_voters)


def test_every_shared_file_is_classified(pabulib_dir):
    assert {path.name for path in pabulib_dir.glob("*.pb")} == set(GREEDY_FAMILY + EQUAL_SHARES) | set(UNCHECKABLE)


@pytest.mark.parametrize("name", GREEDY_FAMILY + EQUAL_SHARES)
def test_the_file_rule_reproduces_the_recorded_outcome(pabulib_dir, name):
    instance = load(pabulib_dir, name)
    outcome = tally(instance)
    assert outcome.rule == instance.meta["rule"]
    assert sorted(outcome.selected) == sorted(instance.recorded_selection())
    assert outcome.spent <= outcome.budget


@pytest.mark.parametrize("name", list(UNCHECKABLE), ids=[f"{name}: {why}" for name, why in UNCHECKABLE.items()])
def test_uncheckable_files_still_tally_by_their_rule(pabulib_dir, name):
    instance = load(pabulib_dir, name)
    outcome = tally(instance)
    assert outcome.spent <= instance.budget
    assert [r.id for r in outcome.projects] == instance.project_ids
    assert {r.id for r in outcome.projects if r.selected} == set(outcome.selected)


@pytest.mark.parametrize("name", GREEDY_FAMILY + EQUAL_SHARES + list(UNCHECKABLE))
def test_counts_and_score_columns_agree_with_the_ballots(pabulib_dir, name):
    instance = load(pabulib_dir, name)
    assert int(instance.meta["num_votes"]) == instance.ballots.n_voters
    assert int(instance.meta["num_projects"]) == len(instance.projects)
    scores, supporters = instance.totals()
    for column, computed in (("score", scores), ("votes", supporters)):
        recorded = [(p.id, p.extra[column]) for p in instance.projects if column in p.extra]
        assert recorded == [(p.id, str(computed[i])) for i, p in enumerate(instance.projects) if column in p.extra]


@pytest.mark.parametrize("name", SMALL)
def test_small_files_survive_a_write_read_round_trip_with_voters(pabulib_dir, name):
    instance = load(pabulib_dir, name, keep_voters=True)
    assert read_pabulib_text(pabulib_text(instance)) == instance


@needs_pabutools
@pytest.mark.parametrize("name", SMALL)
def test_pabutools_reads_the_small_files_as_we_write_them(pabulib_dir, name, tmp_path):
    instance = load(pabulib_dir, name, keep_voters=True)
    (tmp_path / name).write_text(pabulib_text(instance), encoding="utf-8")
    assert_pabutools_reads_the_same(tmp_path / name, instance)
