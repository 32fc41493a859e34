"""The check code of a count: the SHA-256 of its exact inputs, written as text one item a line.

One implementation for both sides: ``pb.tally`` hashes the ballots it reads from the database
(and publishes the hash with the result and in the ``.pb`` file's META ``inputs_hash``), and
``python -m pb.rules check FILE.pb --hash`` hashes the ballots it reads from that file. The two
agree exactly when the count used these ballots, costs, budget and rule. The text::

    pb-tally-inputs 1
    rule <rule>
    threshold <minimum score, or ->
    vote_type <approval | cumulative | ...>
    unit <minor units per currency unit>
    budget <budget in minor units>
    project <id> <cost in minor units>         one line per project, in ballot order
    ballot <count> <id>:<points>,<id>:<points>  one line per distinct ballot, its entries sorted
                                                as text, the lines sorted as text

each line ending in ``\\n``, encoded as UTF-8. Project order is part of the inputs because rules
break ties by it. The order of the ballots is not: the same ballots cast in another order give
the same code.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping

from .model import Instance
from .rulebook import THRESHOLD_META

CANONICAL_VERSION = "pb-tally-inputs 1"
THRESHOLD_RULE = "greedy-threshold"


def canonical_inputs(instance: Instance, rule: str, threshold: int | None = None) -> Iterator[str]:
    """The lines that :func:`inputs_hash` hashes (see the module docstring)."""
    ids = instance.project_ids
    yield CANONICAL_VERSION
    yield f"rule {rule}"
    yield f"threshold {'-' if threshold is None else int(threshold)}"
    yield f"vote_type {instance.vote_type}"
    yield f"unit {instance.unit}"
    yield f"budget {instance.budget}"
    for project in instance.projects:
        yield f"project {project.id} {project.cost}"
    ballots = instance.ballots
    entries = [f"{ids[i]}:{p}" for i, p in zip(ballots.indices.tolist(), ballots.points.tolist())]
    bounds = ballots.indptr.tolist()
    counts: Counter[str] = Counter()
    for row, multiplicity in enumerate(ballots.multiplicity.tolist()):
        counts[",".join(sorted(entries[bounds[row] : bounds[row + 1]]))] += multiplicity
    for key in sorted(counts):
        yield f"ballot {counts[key]} {key}"


def inputs_hash(instance: Instance, rule: str, threshold: int | None = None) -> str:
    """The hex SHA-256 of :func:`canonical_inputs`."""
    digest = hashlib.sha256()
    for line in canonical_inputs(instance, rule, threshold):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def rule_of_meta(meta: Mapping[str, str]) -> tuple[str, int | None]:
    """The rule and threshold a file's META names, as a count takes them: a threshold only for
    greedy-threshold (the rule that uses one)."""
    rule = (meta.get("rule") or "").strip()
    if not rule:
        raise ValueError("META names no rule, and the check code includes the rule")
    if rule != THRESHOLD_RULE:
        return rule, None
    if THRESHOLD_META not in meta:
        raise ValueError(f"META rule {THRESHOLD_RULE} needs META {THRESHOLD_META}")
    return rule, int(meta[THRESHOLD_META])
