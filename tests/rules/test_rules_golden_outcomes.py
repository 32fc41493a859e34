"""Every rule on every shared pabulib file gives the outcome recorded in
``data/pabulib_outcomes.json`` (see :mod:`tests.rules.golden`, which also rewrites it).

A guard for refactoring and tuning: the engine's outcomes must not move. Each count
takes under a second; all of them together a few seconds.
"""

import pytest

from . import golden
from .test_rules_real_files import load

GOLDEN = golden.load()
CASES = [(name, rule) for name, entry in GOLDEN["files"].items() for rule in entry["rules"]]


def test_the_golden_file_covers_every_shared_file_unchanged(pabulib_dir):
    on_disk = {path.name: golden.sha256(path) for path in pabulib_dir.glob("*.pb")}
    recorded = {name: entry["sha256"] for name, entry in GOLDEN["files"].items()}
    assert on_disk == recorded, "the data folder changed: check it, then python -m tests.rules.golden --write"


@pytest.mark.parametrize("name", list(GOLDEN["files"]))
def test_the_golden_file_counts_every_rule_that_applies(pabulib_dir, name):
    assert list(GOLDEN["files"][name]["rules"]) == golden.rules_for(load(pabulib_dir, name))


@pytest.mark.parametrize(("name", "rule"), CASES, ids=[f"{name.removesuffix('.pb')}:{rule}" for name, rule in CASES])
def test_the_rule_gives_the_golden_outcome(pabulib_dir, name, rule):
    assert golden.outcome_record(load(pabulib_dir, name), rule) == GOLDEN["files"][name]["rules"][rule]
