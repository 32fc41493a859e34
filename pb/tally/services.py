"""Counting a round budget's ballots with ``pb.rules``, storing and publishing the result.

Reading ballots: :func:`load_instance` runs one query over ``ballots`` outer-joined to
``ballot_choices`` (three columns, driver tuples) and builds the ``pb.rules`` ballot arrays
directly: 90,000 ballots with 330,000 choices load in about a second on a small machine.

The inputs hash: :func:`canonical_inputs` writes the exact inputs of a count as text, one
item a line, and :func:`inputs_hash` is its sha256. Anyone can recompute it from the open
data ``.pb`` file (:func:`pabulib_export`)::

    pb-tally-inputs 1
    rule <rule>
    threshold <minimum score, or ->
    vote_type <approval | cumulative | ...>
    unit <minor units per currency unit>
    budget <budget in minor units>
    project <id> <cost in minor units>         one line per project, in ballot order
    ballot <count> <id>:<points>,<id>:<points>  one line per distinct ballot, its entries sorted
                                                as text, the lines sorted as text

Project order is part of the inputs because rules break ties by it.

Services flush and never commit; views commit (pb.transactions). The tally job
(:mod:`pb.tally.jobs`) commits its single transaction itself.
"""

import csv
import functools
import hashlib
import io
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

import pb
from pb.audit.services import record
from pb.extensions import db
from pb.i18n import current_language
from pb.jobs import JobRun, JobStatus, enqueue
from pb.models_base import utcnow
from pb.rules import Project as RulesProject
from pb.rules import available_rules, pabulib_text, tally
from pb.rules.model import BallotsBuilder, Instance
from pb.tally.models import TallyRun, WhatIfOutcome
from pb.tally.reasons import explain_all, rule_name
from pb.transactions import after_commit
from pb.voting.models import (
    AGE_BANDS,
    Ballot,
    BallotChoice,
    BallotFormat,
    BudgetRound,
    Channel,
    Project,
    RoundBudget,
    RoundPhase,
    age_band,
)

CANONICAL_VERSION = "pb-tally-inputs 1"
UNIT = 100  # the database keeps money in cents
# A tally takes seconds; a job "running" this long lost its worker and may be started again.
STALE_JOB_AFTER = timedelta(minutes=15)
UNKNOWN_AGE = "unknown"


class TallyError(Exception):
    """A tally cannot be started or published; the message is for the staff member."""


# --- loading ballots ----------------------------------------------------------------------


def budget_projects(budget_id):
    """(id, cost in cents, title) of the budget's projects in the official ballot order."""
    return db.session.execute(
        select(Project.id, Project.cost_cents, Project.title)
        .where(Project.round_budget_id == budget_id)
        .order_by(Project.position, Project.id)
    ).all()


def vote_type_of(budget_round):
    return budget_round.ballot_format.pabulib_vote_type


def load_instance(budget, *, projects=None, meta=None):
    """The budget's current ballots as a ``pb.rules`` instance (money in cents, ids as text).

    Every ballot counts, also one without choices (it still takes its share in Equal Shares).
    """
    projects = budget_projects(budget.id) if projects is None else projects
    index = {project_id: position for position, (project_id, _cost, _title) in enumerate(projects)}
    with_points = vote_type_of(budget.round) != "approval"
    rows = _fetch_plain_rows(
        select(Ballot.id, BallotChoice.project_id, BallotChoice.points)
        .select_from(Ballot)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.round_budget_id == int(budget.id))
        .order_by(Ballot.id)
    )
    builder = BallotsBuilder()
    add = builder.add
    current, indices, points = None, [], []
    for ballot_id, project_id, project_points in rows:
        if ballot_id != current:
            if current is not None:
                add(indices, points if with_points else None)
            current, indices, points = ballot_id, [], []
        if project_id is not None:
            indices.append(index[project_id])
            points.append(project_points)
    if current is not None:
        add(indices, points if with_points else None)
    return Instance(
        budget=budget.amount_cents,
        projects=tuple(RulesProject(id=str(project_id), cost=int(cost)) for project_id, cost, _title in projects),
        vote_type=vote_type_of(budget.round),
        ballots=builder.build(),
        unit=UNIT,
        meta=dict(meta or {}),
    )


def _fetch_plain_rows(statement):
    """All rows as plain DB-API tuples, on the session's connection and transaction.

    SQLAlchemy's result rows cost as much again as the database for 300,000 rows of three
    integers; the driver's own tuples do not. Only integer values are bound into the SQL.
    """
    connection = db.session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def rule_of(budget_round):
    """The round's rule and its threshold (a threshold only for greedy-threshold)."""
    threshold = budget_round.rule_threshold if budget_round.rule == "greedy-threshold" else None
    return budget_round.rule, threshold


# --- the inputs hash ----------------------------------------------------------------------


def canonical_inputs(instance, rule, threshold=None):
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
    counts = Counter()
    for row, multiplicity in enumerate(ballots.multiplicity.tolist()):
        counts[",".join(sorted(entries[bounds[row] : bounds[row + 1]]))] += multiplicity
    for key in sorted(counts):
        yield f"ballot {counts[key]} {key}"


def inputs_hash(instance, rule, threshold=None):
    digest = hashlib.sha256()
    for line in canonical_inputs(instance, rule, threshold):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def tally_job_id(budget_id, hash_value):
    """One job per budget and exact inputs: a double click or a second start queues nothing new."""
    return f"tally-{budget_id}-{hash_value[:32]}"


def what_if_job_id(run_id):
    return f"tally-what-if-{run_id}"


# --- starting and publishing --------------------------------------------------------------


@dataclass(frozen=True)
class TallyStart:
    job_id: str
    run: TallyRun | None  # the stored run when these exact inputs were already counted
    queued: bool  # False when the same job was already queued or running


def can_start_tally(budget):
    return budget.round.is_frozen and budget.round.is_voting_over()


def start_tally(budget, actor):
    """Count ``budget`` by its round's rule, in a background job queued after the commit.

    The job id derives from the exact inputs, so starting twice queues one job, and inputs
    that were already counted give back the stored run. Raises :class:`TallyError` while
    voting is still open.
    """
    if not can_start_tally(budget):
        raise TallyError(_("Counting can start only after voting has closed."))
    rule, threshold = rule_of(budget.round)
    instance = load_instance(budget)
    hash_value = inputs_hash(instance, rule, threshold)
    job_id = tally_job_id(budget.id, hash_value)
    existing = stored_run(budget.id, hash_value, rule)
    if existing is not None:
        return TallyStart(job_id, existing, queued=False)
    job = db.session.get(JobRun, job_id)
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not _is_stale(job):
        return TallyStart(job_id, None, queued=False)
    if job is not None and _is_stale(job):
        job.status = JobStatus.FAILED
        job.error = "The worker stopped before the job finished."
    record(
        actor,
        "tally.started",
        subject=budget,
        details={"job_id": job_id, "rule": rule, "inputs_hash": hash_value, "ballots": instance.ballots.n_voters},
    )
    from pb.tally.jobs import run_tally

    budget_id, actor_id = budget.id, getattr(actor, "id", None)
    after_commit(lambda: enqueue(run_tally, budget_id, hash_value, actor_id, job_id=job_id))
    return TallyStart(job_id, None, queued=True)


def _is_stale(job):
    return job.status is JobStatus.RUNNING and job.started_at is not None and utcnow() - job.started_at > STALE_JOB_AFTER


def stored_run(budget_id, hash_value, rule):
    return db.session.execute(
        select(TallyRun).where(
            TallyRun.round_budget_id == budget_id, TallyRun.inputs_hash == hash_value, TallyRun.rule == rule
        )
    ).scalar_one_or_none()


def publish_tally(run, actor):
    """Make ``run`` the budget's public result. A published result is never replaced."""
    if run.is_published:
        raise TallyError(_("This result is already published."))
    if published_run(run.round_budget_id) is not None:
        raise TallyError(_("Another result of this budget is already published. A published result is not replaced."))
    actor_id, budget_id = actor.id, run.round_budget_id  # read before the change: a load would flush half of it
    run.published_at = utcnow()
    run.published_by_id = actor_id
    run.published_budget_id = budget_id
    db.session.flush()
    record(
        actor,
        "tally.published",
        subject=run,
        details={"round_budget_id": run.round_budget_id, "rule": run.rule, "inputs_hash": run.inputs_hash},
    )
    from pb.tally.jobs import compute_what_ifs

    run_id = run.id
    after_commit(lambda: enqueue(compute_what_ifs, run_id, job_id=what_if_job_id(run_id)))
    return run


# --- queries for the pages ----------------------------------------------------------------


def published_run(budget_id, with_budget=False):
    """The budget's published run; ``with_budget`` reads its budget, round and district along."""
    return db.session.execute(_published_run_query(with_budget), {"budget_id": budget_id}).scalar_one_or_none()


@functools.cache
def _published_run_query(with_budget):
    # Built once: the public results page runs it on every request, and building it cost about as
    # much CPU as running it.
    query = select(TallyRun).where(TallyRun.published_budget_id == bindparam("budget_id"))
    if with_budget:
        budget = joinedload(TallyRun.budget)
        query = query.options(budget.joinedload(RoundBudget.round), budget.joinedload(RoundBudget.district))
    return query


def runs_of(budget_id):
    return db.session.execute(
        select(TallyRun).where(TallyRun.round_budget_id == budget_id).order_by(TallyRun.id.desc())
    ).scalars().all()


def tally_jobs_of(budget_id, limit=5):
    """The newest tally jobs of a budget, for progress on the staff page."""
    return db.session.execute(
        select(JobRun)
        .where(JobRun.id.like(f"tally-{budget_id}-%"))
        .order_by(JobRun.created_at.desc())
        .limit(limit)
    ).scalars().all()


def published_runs_of_round(budget_round):
    """{budget id: published run} for the round's budgets."""
    budget_ids = [budget.id for budget in budget_round.budgets]
    if not budget_ids:
        return {}
    runs = db.session.execute(select(TallyRun).where(TallyRun.published_budget_id.in_(budget_ids))).scalars()
    return {run.round_budget_id: run for run in runs}


# --- derived from stored runs: cached -----------------------------------------------------
# A run never changes after it is stored (pb.tally.models), so what is derived from it in one
# language never goes stale. The key names the run's content, not just its id, because ids
# can come back on a database that was emptied (tests) or restored.
_CACHE = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 256


def run_key(run):
    return (run.id, run.inputs_hash, run.created_at.isoformat(), run.is_published, current_language())


def cached(kind, run, build):
    """``build()`` once per process for ``run`` in the current language, then from memory."""
    key = (kind, *run_key(run))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = build()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def result_lines(run):
    """One dict per project for the result pages and files, most votes first."""
    return cached("lines", run, lambda: _result_lines(run))


def _result_lines(run):
    outcome = run.outcome
    reasons = explain_all(outcome, vote_type=run.vote_type)
    order = {project_id: position for position, project_id in enumerate(outcome["selected"])}
    lines = [
        {
            "id": result["id"],
            "title": run.title_of(result["id"]),
            "cost": result["cost"] * 100 // outcome["unit"],
            "score": result["score"],
            "supporters": result["supporters"],
            "selected": result["selected"],
            "selection_order": order.get(result["id"]),
            "reason_kind": result["reason"]["kind"],
            "reason": reasons[result["id"]],
        }
        for result in outcome["projects"]
    ]
    file_order = {result["id"]: i for i, result in enumerate(outcome["projects"])}
    lines.sort(key=lambda line: (-line["score"], file_order[line["id"]]))
    return lines


def what_if_summaries(run):
    """Each stored what-if outcome next to the official one: selected ids and what differs."""
    official = set(run.outcome["selected"])
    summaries = []
    for what_if in run.what_ifs:
        if what_if.outcome is None:
            summaries.append({"rule": what_if.rule, "outcome": None, "unavailable": what_if.unavailable})
            continue
        selected = set(what_if.outcome["selected"])
        summaries.append(
            {
                "rule": what_if.rule,
                "outcome": what_if.outcome,
                "unavailable": None,
                "added": [pid for pid in what_if.outcome["selected"] if pid not in official],
                "dropped": [pid for pid in run.outcome["selected"] if pid not in selected],
                "reasons": explain_all(what_if.outcome, vote_type=run.vote_type),
            }
        )
    return summaries


def what_if_rules(run):
    """The rules a what-if shows: every other rule that can count these ballots."""
    rules = [rule for rule in available_rules() if rule != run.rule]
    if run.threshold is None:
        rules = [rule for rule in rules if rule != "greedy-threshold"]
    return rules


# --- turnout ------------------------------------------------------------------------------


def _counts(column, *criteria):
    rows = db.session.execute(select(column, func.count(Ballot.id)).where(*criteria).group_by(column)).all()
    return {("" if key is None else str(key)): count for key, count in rows}


def turnout_snapshot(budget):
    """Ballots of one budget by channel and age band, against the district's population."""
    by_channel = _counts(Ballot.channel, Ballot.round_budget_id == budget.id)
    by_age = _counts(Ballot.age_band, Ballot.round_budget_id == budget.id)
    return {
        "ballots": sum(by_channel.values()),
        "population": budget.district.population if budget.district is not None else None,
        "by_channel": {channel.value: by_channel.get(channel.value, 0) for channel in Channel},
        "by_age_band": _age_bands(by_age),
    }


def _age_bands(by_age):
    bands = {label: by_age.get(label, 0) for label, _low, _high in AGE_BANDS}
    bands[UNKNOWN_AGE] = by_age.get("", 0)
    return bands


def percent(part, whole):
    """A share in percent (one decimal, two below 1 %), or None without a whole to compare with."""
    if not whole:
        return None
    share = 100 * part / whole
    return round(share, 1 if share >= 1 else 2)


def _hour_bucket():
    """The UTC hour a ballot was first cast, as "YYYY-MM-DD HH:00" text (SQLite stores UTC text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = func.timezone("UTC", Ballot.created_at)  # not the session's time zone
        return func.to_char(func.date_trunc("hour", utc), "YYYY-MM-DD HH24:00")
    return func.strftime("%Y-%m-%d %H:00", Ballot.created_at)


def live_turnout(budget_round, now=None, hours=24):
    """Ballots so far in the round: by budget (with channels), age band and hour (UTC hour buckets)."""
    now = now or utcnow()
    in_round = Ballot.round_id == budget_round.id
    per_budget_channel = db.session.execute(
        select(Ballot.round_budget_id, Ballot.channel, func.count(Ballot.id))
        .where(in_round)
        .group_by(Ballot.round_budget_id, Ballot.channel)
    ).all()
    budgets = []
    for budget in budget_round.budgets:
        channels = {channel.value: 0 for channel in Channel}
        for budget_id, channel, count in per_budget_channel:
            if budget_id == budget.id:
                channels[str(channel)] = count
        ballots = sum(channels.values())
        population = budget.district.population if budget.district is not None else None
        budgets.append(
            {"budget": budget, "ballots": ballots, "channels": channels, "population": population,
             "turnout": percent(ballots, population)}
        )
    since = (now - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    bucket = _hour_bucket().label("hour")
    hourly = dict(
        db.session.execute(
            select(bucket, func.count(Ballot.id)).where(in_round, Ballot.created_at >= since).group_by(bucket)
        ).all()
    )
    hour_rows = []
    moment = since
    while moment <= now:
        key = moment.strftime("%Y-%m-%d %H:00")
        hour_rows.append({"start": moment, "ballots": hourly.get(key, 0)})
        moment += timedelta(hours=1)
    return {
        "at": now,
        "budgets": budgets,
        "ballots": sum(row["ballots"] for row in budgets),
        "voters": db.session.scalar(select(func.count(func.distinct(Ballot.voter_key))).where(in_round)),
        "by_channel": {channel.value: sum(row["channels"][channel.value] for row in budgets) for channel in Channel},
        "by_age_band": _age_bands(_counts(Ballot.age_band, in_round)),
        "by_hour": hour_rows,
    }


# --- open data ----------------------------------------------------------------------------


def pabulib_meta(budget):
    """pabulib META for a budget's ballots (the mandatory keys and the ballot limits)."""
    budget_round = budget.round
    rule, threshold = rule_of(budget_round)
    closes = budget_round.voting_closes_at
    begins = budget_round.voting_start or (closes.date() if closes else None)
    meta = {
        "description": f"{budget_round.name.get('fi', '')} – {budget.district.name.get('fi') if budget.district else 'koko kaupunki'}",
        "country": "Finland",
        "unit": current_app.config["SITE_NAME"],
        "instance": str(closes.year if closes else budget_round.id),
        "subunit": budget.district.name.get("fi") if budget.district else "",
        "rule": rule,
        "date_begin": begins.strftime("%d.%m.%Y") if begins else "",
        "date_end": closes.strftime("%d.%m.%Y") if closes else "",
        "currency": "EUR",
        "language": "fi",
    }
    if budget_round.ballot_format is BallotFormat.APPROVAL and budget_round.max_choices:
        meta["max_length"] = str(budget_round.max_choices)
    if budget_round.ballot_format is BallotFormat.KNAPSACK:
        meta["max_sum_cost"] = _format_money(budget.amount_cents)
    if vote_type_of(budget_round) == "cumulative":
        meta["max_sum_points"] = str(budget_round.points or 0)
    if threshold is not None:
        meta["min_project_score_threshold"] = str(threshold)
    return {key: value for key, value in meta.items() if value != ""}


def _format_money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def pabulib_export(budget):
    """The budget's ballots as a pabulib ``.pb`` text: voters numbered 1..n, nothing else about them.

    META ``inputs_hash`` is the hash of exactly these inputs under the round's rule.
    """
    projects = budget_projects(budget.id)
    instance = load_instance(budget, projects=projects, meta=pabulib_meta(budget))
    rule, threshold = rule_of(budget.round)
    instance.meta["inputs_hash"] = inputs_hash(instance, rule, threshold)
    names = {str(project_id): (title or {}).get("fi") or str(project_id) for project_id, _cost, title in projects}
    instance.projects = tuple(
        RulesProject(id=project.id, cost=project.cost, name=names[project.id]) for project in instance.projects
    )
    return pabulib_text(instance, with_voters=False)


def results_document(run):
    """The published result as plain data for the JSON download."""
    budget = run.budget
    return {
        "round": {"id": budget.round.id, "name": budget.round.name},
        "budget": {
            "id": budget.id,
            "district": budget.district.name if budget.district else None,
            "amount_cents": budget.amount_cents,
        },
        "rule": run.rule,
        "rule_name": rule_name(run.rule),
        "threshold": run.threshold,
        "vote_type": run.vote_type,
        "ballots": run.ballot_count,
        "inputs_hash": run.inputs_hash,
        "software_version": run.software_version,
        "counted_at": run.created_at.isoformat(),
        "published_at": run.published_at.isoformat() if run.published_at else None,
        "turnout": run.details.get("turnout"),
        "projects": [
            {
                "id": line["id"],
                "title": line["title"],
                "cost_cents": line["cost"],
                "score": line["score"],
                "supporters": line["supporters"],
                "selected": line["selected"],
                "reason_kind": line["reason_kind"],
                "reason": line["reason"],
            }
            for line in result_lines(run)
        ],
        "outcome": run.outcome,
    }


CSV_COLUMNS = ("project_id", "title_fi", "cost_eur", "score", "supporters", "selected", "reason", "rule", "inputs_hash")


def results_csv(run):
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in result_lines(run):
        writer.writerow(
            [
                line["id"],
                line["title"].get("fi", ""),
                _format_money(line["cost"]),
                line["score"],
                line["supporters"],
                1 if line["selected"] else 0,
                line["reason"],
                run.rule,
                run.inputs_hash,
            ]
        )
    return stream.getvalue()


# --- storing a count (used by the job) -----------------------------------------------------


class TallyInputsChanged(RuntimeError):
    """The ballots are not the ones the count was started for."""


def count_budget(budget, *, expected_hash=None, job_id=None, actor_id=None, progress=None):
    """Count the budget's ballots by its round's rule; add (flush, not commit) the immutable run.

    With ``expected_hash`` the ballots must be exactly those a count was started for.
    ``progress(percent)`` is called on the way (the job records it in its JobRun).
    """
    report = progress or (lambda percent: None)
    rule, threshold = rule_of(budget.round)
    report(5)
    projects = budget_projects(budget.id)
    instance = load_instance(budget, projects=projects)
    report(40)
    hash_value = inputs_hash(instance, rule, threshold)
    if expected_hash is not None and hash_value != expected_hash:
        raise TallyInputsChanged(
            f"the ballots changed after the count was started (now {hash_value[:12]}, "
            f"expected {expected_hash[:12]}); start the count again"
        )
    report(50)
    outcome = tally(instance, rule, threshold=threshold)
    report(85)
    run = TallyRun(
        round_budget_id=budget.id,
        rule=rule,
        threshold=threshold,
        inputs_hash=hash_value,
        vote_type=instance.vote_type,
        ballot_count=instance.ballots.n_voters,
        outcome=outcome.as_dict(),
        details={
            "titles": {str(project_id): title for project_id, _cost, title in projects},
            "turnout": turnout_snapshot(budget),
        },
        software_version=pb.__version__,
        job_id=job_id,
        started_by_id=actor_id,
    )
    db.session.add(run)
    db.session.flush()
    return run


def finished_details(run):
    """What the audit log keeps of a finished count."""
    return {
        "round_budget_id": run.round_budget_id,
        "rule": run.rule,
        "inputs_hash": run.inputs_hash,
        "ballots": run.ballot_count,
        "selected": list(run.outcome["selected"]),
    }


def count_now(budget, actor):
    """Count a small budget in this transaction, without a job (demo data, trials); audited like a job.

    Gives back the stored run if these exact ballots were already counted.
    """
    if not can_start_tally(budget):
        raise TallyError(_("Counting can start only after voting has closed."))
    rule, threshold = rule_of(budget.round)
    hash_value = inputs_hash(load_instance(budget), rule, threshold)
    existing = stored_run(budget.id, hash_value, rule)
    if existing is not None:
        return existing
    record(actor, "tally.started", subject=budget, details={"job_id": None, "rule": rule, "inputs_hash": hash_value})
    run = count_budget(budget, expected_hash=hash_value, actor_id=getattr(actor, "id", None))
    record(actor, "tally.finished", subject=run, details=finished_details(run))
    return run


def store_what_if(run, rule, outcome=None, unavailable=None):
    what_if = WhatIfOutcome(
        tally_run_id=run.id, rule=rule, outcome=outcome.as_dict() if outcome else None, unavailable=unavailable
    )
    db.session.add(what_if)
    return what_if


# --- importing a pabulib file as a round ---------------------------------------------------

IMPORT_CHUNK = 20_000


def import_pabulib(path, round_name):
    """Import a ``.pb`` file as a closed round with one city-wide budget and all its ballots.

    For benchmarks and trials with real data: the round is frozen, its voting closed now, its
    rule is the file's (greedy if the file names a rule this platform cannot count). Voters
    become ballots with a key derived from their file id; age and voting method, when the file
    has them, give the age band and the channel. Ballots and choices go in with bulk inserts.
    Approval, choose-1 and cumulative files can be imported; ordinal and scoring ones cannot.
    """
    from pb.rules import read_pabulib
    from pb.voting.codes import new_key_salt

    instance = read_pabulib(path, keep_voters=True)
    if instance.vote_type not in ("approval", "choose-1", "cumulative"):
        raise TallyError(f"{instance.vote_type} ballots cannot be imported: rounds use approval or cumulative ballots")
    if UNIT % instance.unit:
        raise TallyError(f"amounts with more than two decimals cannot be stored in cents (unit {instance.unit})")
    scale = UNIT // instance.unit
    meta = instance.meta
    cumulative = instance.vote_type == "cumulative"
    now = utcnow()
    rule = meta.get("rule") if meta.get("rule") in available_rules() else "greedy"
    longest = int(instance.ballots.lengths().max()) if instance.ballots.n_distinct else 1
    budget_round = BudgetRound(
        name={"fi": round_name},
        description={"fi": meta.get("description", "")},
        phase=RoundPhase.VOTING,
        voting_closes_at=now,
        frozen_at=now,
        ballot_format=BallotFormat.CUMULATIVE if cumulative else BallotFormat.APPROVAL,
        max_choices=None if cumulative else int(meta.get("max_length", longest) or longest),
        points=int(meta["max_sum_points"]) if cumulative else None,
        rule=rule,
        rule_threshold=int(meta["min_project_score_threshold"]) if rule == "greedy-threshold" else None,
        key_salt=new_key_salt(),
    )
    budget = RoundBudget(round=budget_round, district_id=None, amount_cents=instance.budget * scale)
    db.session.add_all([budget_round, budget])
    db.session.flush()
    projects = [
        Project(
            round_budget_id=budget.id,
            title={"fi": project.name or project.id},
            description={},
            cost_cents=project.cost * scale,
            position=position,
        )
        for position, project in enumerate(instance.projects)
    ]
    db.session.add_all(projects)
    db.session.flush()
    project_ids = [project.id for project in projects]

    voters = instance.voters
    ages = voters.columns.get("age") or [None] * len(voters.ids)
    methods = voters.columns.get("voting_method") or [None] * len(voters.ids)
    # Imported voters never vote here, so their keys only need to be unique in the round.
    keys = [hashlib.sha256(f"pabulib:{budget_round.id}:{voter_id}".encode()).hexdigest() for voter_id in voters.ids]
    stamp = _db_value(Ballot.__table__.c.created_at, now)
    round_id, budget_id, slot = budget_round.id, budget.id, f"budget:{budget.id}"
    _bulk_insert(
        Ballot.__table__,
        ("round_id", "round_budget_id", "voter_key", "slot", "channel", "age_band", "order_seed", "receipt_hash",
         "version", "changes", "created_at", "updated_at"),
        (
            (round_id, budget_id, key, slot, _channel_of(methods[v]).value,
             _band_of_age(ages[v], now.year), 0, hashlib.sha256(f"receipt:{key}".encode()).hexdigest(), 1, 0,
             stamp, stamp)
            for v, key in enumerate(keys)
        ),
    )
    ballot_id = dict(
        db.session.execute(select(Ballot.voter_key, Ballot.id).where(Ballot.round_budget_id == budget.id)).all()
    )
    ballots, rows_of_voters = instance.ballots, voters.ballot.tolist()
    _bulk_insert(
        BallotChoice.__table__,
        ("ballot_id", "project_id", "points"),
        (
            (ballot_id[key], project_ids[i], p if cumulative else 1)
            for key, row in zip(keys, rows_of_voters)
            for i, p in zip(*(part.tolist() for part in ballots.row(row)))
        ),
    )
    return budget_round


def _db_value(column, value):
    """``value`` as the driver receives it for ``column`` (e.g. a UTC datetime as SQLite's text)."""
    dialect = db.session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def _bulk_insert(table, columns, rows):
    """Insert many rows of driver-ready values: COPY on PostgreSQL, the driver's executemany on SQLite.

    Runs on the session's connection, so it is part of the session's transaction. Table and
    column names come from the models, never from input.
    """
    connection = db.session.connection()
    names = ", ".join(columns)
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == IMPORT_CHUNK:
                cursor.executemany(statement, chunk)
                chunk = []
        if chunk:
            cursor.executemany(statement, chunk)
    finally:
        cursor.close()


def _channel_of(voting_method):
    return Channel.PAPER if (voting_method or "").strip().lower() == "paper" else Channel.ONLINE


def _band_of_age(age, year):
    """The age band of an age from a file (an age, not a birth year), or None."""
    if age is None or not str(age).strip().isdigit():
        return None
    return age_band(year - int(age), year)
