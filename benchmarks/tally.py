"""Tally speed of pb against pabutools on the shared pabulib files (not a test).

For every file it measures, for pb: reading, greedy, equal shares and equal shares/add1
(in a worker process), and the whole CLI call ``python -m pb.rules tally FILE --rule R --json``
(wall time and peak RSS, process start included). For pabutools (the reference
implementation) it measures parse_pabulib, greedy_utilitarian_welfare, method_of_equal_shares
and add1 (exhaustion_by_budget_increase with a step of one currency unit per voter), each in
its own subprocess under a time limit, since pabutools needs minutes and gigabytes on the
large files. Satisfaction is cost utility (points x cost), as in pb. A task that takes
under a second is run again for about a second, and its fastest run counts, for both
(see best_time).

    python benchmarks/tally.py [--files Wroclaw Assen] [--quick] [--pabutools-timeout 600]
        [--pabutools-tasks parse greedy mes add1] [--reference]

Shared machines differ in speed, and one machine's speed drifts from minute to minute.
``--reference`` times pabutools reading Wroclaw 2015 before and after the run, against
the 3.0 s it took on the 2-core reference machine the speed targets were set on, and
prints pb's add1 and CLI times at that machine's speed. It scales by the faster of the
two readings, so the estimate errs against pb. Pure-Python reading and NumPy counting
need not scale alike: this is an estimate beside the measured figures, not instead of
them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("PB_PABULIB_DIR", REPO.parent / "shared" / "data" / "pabulib"))
PB_RULES = {"greedy": "greedy", "mes": "equalshares", "add1": "equalshares/add1"}
REFERENCE_FILE = "Poland_Wroclaw_2015_150_-_500.pb"
REFERENCE_PARSE_SECONDS = 3.0
TASKS = ("parse", "greedy", "mes", "add1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of .pb files")
    parser.add_argument("--files", nargs="*", default=[], help="only files whose name contains one of these")
    parser.add_argument("--pabutools-timeout", type=float, default=600, help="seconds per pabutools measurement")
    parser.add_argument("--pabutools-max-gib", type=float, default=8, help="address-space cap per pabutools run")
    parser.add_argument("--quick", action="store_true", help="skip pabutools")
    parser.add_argument(
        "--pabutools-tasks", nargs="*", choices=TASKS, default=list(TASKS), help="compare only these tasks"
    )
    parser.add_argument(
        "--reference", action="store_true", help="also estimate pb's times at the reference machine's speed"
    )
    parser.add_argument("--pb-worker", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--pabutools-worker", nargs=2, metavar=("FILE", "TASK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pb_worker:
        print(json.dumps(pb_tasks(args.pb_worker)))
        return
    if args.pabutools_worker:
        print(json.dumps({"seconds": pabutools_task(*args.pabutools_worker)}))
        return

    files = sorted(p for p in args.data.glob("*.pb") if not args.files or any(f in p.name for f in args.files))
    if not files:
        sys.exit(f"no .pb files in {args.data} matching {args.files}")
    print("reproduce:", shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; times in seconds, RSS in MiB\n")

    # The CLI calls time an installed pb: its bytecode compiled, as `make install` leaves
    # it (also after edits since, where Python may not write bytecode itself).
    subprocess.run([sys.executable, "-m", "compileall", "-q", "pb"], cwd=REPO, check=True)
    readings = [reference_reading(args.data)] if args.reference else []
    pb_rows, comparison_rows, at_reference = [], [], []
    for path in files:
        pb = pb_figures(path)
        at_reference.append((path.stem[:34], pb["add1"], pb["cli_slowest"]))
        pb_rows.append([path.stem[:34], f"{pb['voters']:,}", *(seconds(pb[task]) for task in TASKS), *pb["cli"]])
        for task in TASKS:
            if args.quick or task not in args.pabutools_tasks:
                comparison_rows.append([path.stem[:34], task, seconds(pb[task]), "skipped", "", ""])
                continue
            theirs, rss = pabutools_in_subprocess(path, task, args.pabutools_timeout, args.pabutools_max_gib)
            if isinstance(theirs, float):
                ratio = times(theirs / pb[task]) if pb[task] > 0 else ""
                shown = seconds(theirs)
            else:
                ratio, shown = "", theirs
            comparison_rows.append([path.stem[:34], task, seconds(pb[task]), shown, ratio, rss])
            print(f"  {path.stem}: pabutools {task} {shown}", file=sys.stderr, flush=True)

    print_table(
        ["file", "voters", "parse", "greedy", "mes", "add1", "cli greedy", "cli mes", "cli add1", "cli peak RSS"],
        pb_rows,
    )
    print()
    print_table(["file", "task", "pb", "pabutools", "pabutools/pb", "pabutools RSS"], comparison_rows)
    if readings:
        readings.append(reference_reading(args.data))
        factor = min(readings) / REFERENCE_PARSE_SECONDS
        print(
            f"\nreference: pabutools read {REFERENCE_FILE} in {readings[0]:.2f} s before and {readings[1]:.2f} s"
            f" after the run, {REFERENCE_PARSE_SECONDS} s on the reference machine: this machine ran"
            f" {factor:.2f}x slower. pb at the reference machine's speed (measured / {factor:.2f}):\n"
        )
        print_table(
            ["file", "add1", "slowest cli"],
            [[name, seconds(add1 / factor), seconds(cli / factor)] for name, add1, cli in at_reference],
        )


def reference_reading(data: Path) -> float:
    """Seconds pabutools takes to read the reference file here, timed in a fresh process
    (one run: it takes seconds)."""
    path = data / REFERENCE_FILE
    if not path.exists():
        sys.exit(f"--reference needs {path}")
    script = (
        "import sys, time; from pabutools.election import parse_pabulib; "
        "started = time.perf_counter(); parse_pabulib(sys.argv[1]); print(time.perf_counter() - started)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, check=True, capture_output=True)
    return float(done.stdout)


def pb_figures(path: Path) -> dict:
    """pb's step timings (from a worker) and its CLI calls, measured from this lean process.

    Linux counts a parent's resident memory at fork time into the child's peak RSS, so
    this process never imports pb or NumPy itself.
    """
    _, _, code, output = run_measured([sys.executable, __file__, "--pb-worker", str(path)])
    if code != 0:
        sys.exit(f"pb failed on {path}")
    figures = json.loads(output)
    walls, peak, slowest = [], 0, 0.0
    for rule in PB_RULES.values():
        command = [sys.executable, "-m", "pb.rules", "tally", str(path), "--rule", rule, "--json"]
        wall, rss, code, _ = run_measured(command)
        walls.append(seconds(wall) if code == 0 else f"exit {code}")
        peak, slowest = max(peak, rss), max(slowest, wall)
    figures["cli"] = [*walls, f"{peak / 2**20:,.0f}"]
    figures["cli_slowest"] = slowest
    return figures


def best_time(task) -> tuple[float, object]:
    """The shortest of repeated runs of ``task()`` and its result: one run if it takes a
    second or more, otherwise as many as fit in about a second (timeit's rule: the
    fastest run is the one least disturbed by the rest of the machine). A task of a
    fraction of a millisecond needs the whole second: a hundred of its runs fit in a
    moment that a busy neighbour on a shared machine can spoil as a whole. Both pb and
    pabutools are timed this way."""
    best, total = float("inf"), 0.0
    while total < 1.0:
        started = time.perf_counter()
        result = task()
        took = time.perf_counter() - started
        best, total = min(best, took), total + took
    return best, result


def pb_tasks(file: str) -> dict:
    """pb's timings for reading and each rule, run in a worker process."""
    from pb.rules import read_pabulib, tally

    seconds_taken, instance = best_time(lambda: read_pabulib(file, keep_voters=False))
    figures = {"parse": seconds_taken, "voters": instance.ballots.n_voters}
    for task, rule in PB_RULES.items():
        figures[task] = best_time(lambda: tally(instance, rule))[0]
    return figures


def run_measured(command, *, timeout=None, preexec_fn=None) -> tuple[float, int, int | None, str]:
    """Run ``command``; return wall seconds, its own peak RSS in bytes, its exit code (None
    if killed at ``timeout``) and its output. os.wait4 gives the rusage of this child alone."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.DEVNULL, preexec_fn=preexec_fn)
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if timer:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        killed = timer is not None and timer.finished.is_set() and process.returncode < 0
        output.seek(0)
        text = output.read().decode()
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_maxrss * 1024, None if killed else process.returncode, text


def pabutools_in_subprocess(path: Path, task: str, timeout: float, max_gib: float) -> tuple[float | str, str]:
    def limit_memory():
        cap = int(max_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = [sys.executable, __file__, "--pabutools-worker", str(path), task]
    _, rss, code, output = run_measured(command, timeout=timeout, preexec_fn=limit_memory)
    rss_text = f"{rss / 2**20:,.0f}"
    if code is None:
        return f"> {timeout:g}", rss_text
    if code != 0:
        return f"failed ({code}; {max_gib:g} GiB cap?)", rss_text
    return json.loads(output)["seconds"], rss_text


def pabutools_task(file: str, task: str) -> float:
    """One pabutools measurement, run in a worker process; returns the seconds it took."""
    from pabutools.election import AdditiveSatisfaction, Cost_Sat, parse_pabulib
    from pabutools.election.profile import AbstractApprovalProfile
    from pabutools.rules import exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares

    parse_seconds, (instance, profile) = best_time(lambda: parse_pabulib(file))
    if task == "parse":
        return parse_seconds

    if isinstance(profile, AbstractApprovalProfile):
        sat_class = Cost_Sat
    else:
        # points x cost: the cumulative points, or k - position + 1 for an ordinal ranking.
        ordinal = instance.meta["vote_type"] == "ordinal"
        k = int(instance.meta.get("max_length", max((len(b) for b in profile), default=0)))

        def points_times_cost(inst, prof, ballot, project, precomputed):
            if project not in ballot:
                return 0
            points = k - ballot.position(project) if ordinal else ballot[project]
            return points * project.cost

        class PointsCostSat(AdditiveSatisfaction):
            def __init__(self, inst, prof, ballot):
                super().__init__(inst, prof, ballot, points_times_cost)

        sat_class = PointsCostSat

    if task == "greedy":
        rule = partial(greedy_utilitarian_welfare, instance, profile, sat_class=sat_class)
    elif task == "mes":
        rule = partial(method_of_equal_shares, instance, profile, sat_class=sat_class)
    else:
        rule = partial(
            exhaustion_by_budget_increase,
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": sat_class},
            budget_step=profile.num_ballots(),
            exhaustive_stop=False,
        )
    return best_time(rule)[0]


def seconds(value: float) -> str:
    if value < 0.01:
        return f"{value:.5f}"  # a small election's count takes tens of microseconds
    return f"{value:.3f}" if value < 10 else f"{value:,.1f}"


def times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:,.0f}x"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [str(cell).ljust(w) if i == 0 else str(cell).rjust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells))


if __name__ == "__main__":
    main()
