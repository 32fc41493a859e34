"""The golden outcomes: every rule on every shared pabulib file, as recorded in
``data/pabulib_outcomes.json`` and checked by ``test_rules_golden_outcomes.py``.

The record of a count is what is cheap and exact: the funded project ids in selection
order, how many, their total cost and score, and where the rule has them the threshold,
every voter's starting money (a float, exact in JSON) and the add1-comparison's counts.
Floating-point details that may move in the last place when the kernel is tuned
(effective votes, the money a project lacked) are left out.

Regenerate only on purpose, after a change meant to alter outcomes, and say why in the
commit::

    python -m tests.rules.golden            # compare with the golden file, print differences
    python -m tests.rules.golden --write    # record the current outcomes instead
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
from pathlib import Path

from pb.rules import RULES, Instance, InstanceTooLarge, Outcome, read_pabulib, tally
from pb.rules.rulebook import THRESHOLD_META

GOLDEN = Path(__file__).resolve().parent / "data" / "pabulib_outcomes.json"
# utilitarian-optimal refuses instances too large for its exact table: that is recorded.
REFUSED = {"refused": "InstanceTooLarge"}


def rules_for(instance: Instance) -> list[str]:
    """The rules counted on a file: all, but greedy-threshold only where META names a threshold."""
    return [rule for rule in RULES if rule != "greedy-threshold" or THRESHOLD_META in instance.meta]


def record(outcome: Outcome) -> dict:
    """The exact, cheap parts of an outcome, as JSON data."""
    got = {
        "selected": list(outcome.selected),
        "funded": len(outcome.selected),
        "spent": outcome.spent,
        "total_score": outcome.total_score,
    }
    if outcome.threshold is not None:
        got["threshold"] = outcome.threshold
    if outcome.per_voter_budget is not None:
        got["per_voter_budget"] = outcome.per_voter_budget
    if outcome.comparison is not None:
        c = outcome.comparison
        got["comparison"] = {
            "mes_preferred": c.mes_preferred,
            "greedy_preferred": c.greedy_preferred,
            "indifferent": c.indifferent,
            "winner": c.winner,
            "mes_selected": list(c.mes_selected),
            "greedy_selected": list(c.greedy_selected),
        }
    return got


def outcome_record(instance: Instance, rule: str) -> dict:
    try:
        return record(tally(instance, rule))
    except InstanceTooLarge:
        return dict(REFUSED)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_record(path: Path) -> dict:
    instance = read_pabulib(path, keep_voters=False)
    return {
        "sha256": sha256(path),
        "rules": {rule: outcome_record(instance, rule) for rule in rules_for(instance)},
    }


def compute(folder: Path) -> dict:
    return {
        "about": "Outcomes of every rule on every shared pabulib file; see tests/rules/golden.py. "
        "Regenerate only on purpose: python -m tests.rules.golden --write",
        "files": {path.name: file_record(path) for path in sorted(folder.glob("*.pb"))},
    }


def dumps(data: dict) -> str:
    """JSON with one line per count, so that a diff of the golden file names the counts changed."""
    line = functools.partial(json.dumps, ensure_ascii=False)
    files = []
    for name, entry in data["files"].items():
        rules = ",\n".join(f"    {line(rule)}: {line(got)}" for rule, got in entry["rules"].items())
        files.append(f'  {line(name)}: {{\n   "sha256": {line(entry["sha256"])},\n   "rules": {{\n{rules}\n   }}\n  }}')
    return f'{{\n "about": {line(data["about"])},\n "files": {{\n' + ",\n".join(files) + "\n }\n}\n"


def load() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def differences(old: dict, new: dict) -> list[str]:
    lines = []
    for name in sorted(old["files"].keys() | new["files"].keys()):
        a, b = old["files"].get(name), new["files"].get(name)
        if a is None or b is None:
            lines.append(f"{name}: {'new file' if a is None else 'file gone'}")
            continue
        if a["sha256"] != b["sha256"]:
            lines.append(f"{name}: the file's contents changed")
        for rule in sorted(a["rules"].keys() | b["rules"].keys()):
            if a["rules"].get(rule) != b["rules"].get(rule):
                lines.append(f"{name} {rule}:\n  was {a['rules'].get(rule)}\n  now {b['rules'].get(rule)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    from .conftest import PABULIB_DIR

    parser = argparse.ArgumentParser(prog="python -m tests.rules.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=PABULIB_DIR, help="folder of .pb files")
    parser.add_argument("--write", action="store_true", help="record the current outcomes in the golden file")
    args = parser.parse_args(argv)
    if not any(args.data.glob("*.pb")):
        print(f"no .pb files in {args.data}", file=sys.stderr)
        return 2
    new = compute(args.data)
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(dumps(new), encoding="utf-8")
        cases = sum(len(f["rules"]) for f in new["files"].values())
        print(f"wrote {cases} outcomes of {len(new['files'])} files to {GOLDEN}")
        return 0
    found = differences(load(), new)
    print("\n".join(found) or "the golden outcomes hold")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
