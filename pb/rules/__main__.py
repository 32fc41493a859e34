"""Command line: ``python -m pb.rules tally FILE.pb`` and ``python -m pb.rules check FILE.pb``.

``check FILE.pb --hash`` also prints the file's check code, the hash of a count's exact inputs
(:mod:`pb.rules.inputs_hash`), computed from the file by the rule its META names, exactly as
the platform computes it from its database. When the file's META holds an ``inputs_hash`` (the
platform's open data files do), the two are compared: a difference is reported and ends with
exit code 1.

Bad input (a malformed or missing file, an unknown rule) ends with exit code 2 and a
single line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .inputs_hash import inputs_hash, rule_of_meta
from .model import Instance, Outcome, ProjectResult
from .pabulib import PabulibError, read_pabulib
from .rulebook import RULES, THRESHOLD_META, tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pb.rules", description="Count pabulib .pb files.")
    commands = parser.add_subparsers(dest="command", required=True)
    tally_parser = commands.add_parser("tally", help="count the votes of a .pb file by a rule")
    tally_parser.add_argument("file")
    tally_parser.add_argument("--rule", help=f"one of: {', '.join(RULES)} (default: META rule)")
    tally_parser.add_argument("--threshold", type=int, help="minimum score for greedy-threshold")
    tally_parser.add_argument("--json", action="store_true", help="print one JSON object")
    check_parser = commands.add_parser("check", help="validate a .pb file and print a summary")
    check_parser.add_argument("file")
    check_parser.add_argument(
        "--hash", action="store_true", help="also print the check code of the file's inputs (SHA-256)"
    )
    args = parser.parse_args(argv)
    status = 0
    try:
        # Voter ids are only needed to write files back, and to check they are unique.
        instance = read_pabulib(args.file, keep_voters=args.command == "check")
        if args.command == "check":
            text = check_summary(args.file, instance)
            if args.hash:
                lines, matches = hash_lines(instance)
                text = "\n".join([text, *lines])
                status = 0 if matches is not False else 1
        else:
            outcome = tally(instance, args.rule, args.threshold)
            if args.json:
                text = json.dumps({"file": args.file, **outcome.as_dict()}, ensure_ascii=False)
            else:
                text = outcome_table(instance, outcome)
    except PabulibError as error:
        return _fail(f"{args.file}: {error}")
    except (OSError, ValueError) as error:
        return _fail(str(error))
    try:
        print(text)
    except BrokenPipeError:
        # The reader (``| head``) left early; point stdout at nothing so exit stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def _fail(message: str) -> int:
    print(f"pb.rules: error: {message}", file=sys.stderr)
    return 2


def money(minor: int, unit: int) -> str:
    """Minor units with thousands separators: 1234567 -> ``1,234,567``; unit 100 -> ``12,345.67``."""
    if unit == 1:
        return f"{minor:,}"
    return f"{minor // unit:,}.{minor % unit:0{len(str(unit)) - 1}d}"


def explain(result: ProjectResult, unit: int) -> str:
    """A short English reading of a project's reason, for the terminal."""
    reason = result.reason
    match reason.kind:
        case "greedy_selected":
            return f"fits: {money(reason.money_left_before, unit)} left"
        case "greedy_does_not_fit":
            return f"too expensive: {money(reason.money_left, unit)} left"
        case "greedy_after_stop":
            return f"counting stopped at rank {reason.stopped_at_rank}"
        case "below_threshold":
            return f"score below threshold {reason.threshold}"
        case "mes_bought":
            return f"round {reason.round}, {reason.effective_votes:,.1f} effective votes"
        case "mes_unaffordable":
            return f"supporters had {reason.supporters_money / unit:,.2f} of {money(reason.cost, unit)}"
        case "optimal_selected":
            return "in the best-scoring set"
        case _:
            return "not in the best-scoring set"


def outcome_table(instance: Instance, outcome: Outcome) -> str:
    unit = outcome.unit
    lines = [
        f"{instance.meta.get('description', '')} ({instance.vote_type}, {instance.ballots.n_voters:,} voters)",
        f"rule {outcome.rule}: {len(outcome.selected)} of {len(outcome.projects)} projects funded, "
        f"spent {money(outcome.spent, unit)} of {money(outcome.budget, unit)}",
    ]
    if outcome.threshold is not None:
        lines.append(f"minimum score: {outcome.threshold}")
    if outcome.comparison is not None:
        c = outcome.comparison
        lines.append(
            f"comparison: {c.mes_preferred:,} voters prefer equal shares, {c.greedy_preferred:,} prefer greedy, "
            f"{c.indifferent:,} indifferent -> {c.winner}"
        )
    rows = sorted(outcome.projects, key=lambda r: -r.score)
    table = [("project", "cost", "score", "supporters", "funded", "why")]
    table += [
        (r.id, money(r.cost, unit), f"{r.score:,}", f"{r.supporters:,}", "yes" if r.selected else "", explain(r, unit))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:4], widths[1:4])]
        lines.append("  ".join(cells + [row[4].ljust(widths[4]), row[5]]).rstrip())
    return "\n".join(lines)


def hash_lines(instance: Instance) -> tuple[list[str], bool | None]:
    """The check code computed from the file, and whether it equals META ``inputs_hash`` (None: no such key)."""
    rule, threshold = rule_of_meta(instance.meta)
    computed = inputs_hash(instance, rule, threshold)
    lines = [f"inputs hash: {computed}"]
    recorded = (instance.meta.get("inputs_hash") or "").strip().lower()
    if not recorded:
        return lines, None
    if recorded == computed:
        return lines + ["inputs hash matches META inputs_hash"], True
    return lines + [f"warning: META inputs_hash is {recorded}: these are not the inputs it was computed from"], False


def check_summary(path: str, instance: Instance) -> str:
    """What the file holds, and anything that disagrees with its own META or columns."""
    meta = instance.meta
    ballots = instance.ballots
    lengths = ballots.lengths()
    scores, supporters = instance.totals()
    warnings = []
    if meta.get("num_projects") != str(len(instance.projects)):
        warnings.append(f"META num_projects is {meta.get('num_projects')}, the file has {len(instance.projects)}")
    if meta.get("num_votes") != str(ballots.n_voters):
        warnings.append(f"META num_votes is {meta.get('num_votes')}, the file has {ballots.n_voters}")
    length_limits = {
        "min_length": lengths < int(meta.get("min_length", 0)),
        "max_length": lengths > int(meta.get("max_length", len(instance.projects))),
    }
    for key, outside in length_limits.items():
        voters = int(ballots.multiplicity[outside].sum())
        if voters:
            warnings.append(f"{voters} voters' ballots break META {key} {meta[key]}")
    for column, computed in (("votes", supporters), ("score", scores)):
        differing = [
            p.id for p, value in zip(instance.projects, computed) if p.extra.get(column, str(value)) != str(value)
        ]
        if differing:
            warnings.append(
                f"PROJECTS column {column!r} differs from the ballots for {len(differing)} projects, "
                f"e.g. {differing[0]}"
            )
    rule = meta.get("rule")
    if rule not in RULES:
        warnings.append(f"META rule {rule!r} is not one this engine counts ({', '.join(RULES)})")
    recorded = instance.recorded_selection()
    lines = [
        f"file: {path}",
        f"description: {meta.get('description')}",
        f"vote type: {instance.vote_type}; rule: {rule}"
        + (f"; minimum score: {meta[THRESHOLD_META]}" if THRESHOLD_META in meta else ""),
        f"budget: {money(instance.budget, instance.unit)} {meta.get('currency', '')}".rstrip(),
        f"projects: {len(instance.projects)}",
        f"voters: {ballots.n_voters:,} ({ballots.n_distinct:,} distinct ballots, "
        f"{int(lengths.min()) if len(lengths) else 0}-{int(lengths.max()) if len(lengths) else 0} projects each)",
        "recorded outcome: "
        + ("none (no selected column)" if recorded is None else f"{len(recorded)} projects selected"),
    ]
    lines += [f"warning: {warning}" for warning in warnings] or ["no warnings"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
