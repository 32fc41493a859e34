"""The tally job: progress, one immutable result per exact inputs, no partial result, retry, publishing."""

import json
import os

import pytest
from sqlalchemy.exc import IntegrityError

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.jobs import JobRun, JobStatus
from pb.rules import Project as RulesProject
from pb.rules import make_instance, tally
from pb.tally import jobs, services
from pb.tally.models import ImmutableTallyRun, TallyRun
from pb.transactions import commit
from pb.voting.models import BallotFormat, Channel
from tests.conftest import skip_or_fail
from tests.factories import make_user
from tests.helpers import run_queued_jobs
from tests.tally.support import add_ballots, make_round


def actions():
    return [event.action for event in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def runs():
    return db.session.execute(db.select(TallyRun).order_by(TallyRun.id)).scalars().all()


def start_and_work(app, budget, actor):
    started = services.start_tally(budget, actor)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return started


@pytest.fixture
def staff():
    return make_user(staff=True)


@pytest.fixture
def voted_budget():
    """Budget 60,000 EUR; votes: Leikkipuisto 3, Penkit 2, Ulkokuntosali 2, Kirjastokaappi 1."""
    budget = make_round().budgets[0]
    park, benches, library, gym = budget.projects
    add_ballots(budget, [[park, benches], [park, gym], [park, benches, gym], [library]])
    add_ballots(budget, [[]], channel=Channel.PAPER)  # a ballot with no choice still counts as a ballot
    return budget


def independent_count(budget, votes, rule="greedy", threshold=None, vote_type="approval"):
    """pb.rules on the same ballots, built from plain data with no help from pb.tally."""
    projects = [RulesProject(id=str(p.id), cost=p.cost_cents) for p in budget.projects]
    plain = [{str(p.id): points for p, points in vote.items()} if isinstance(vote, dict) else [str(p.id) for p in vote]
             for vote in votes]
    instance = make_instance(projects, budget.amount_cents, plain, vote_type=vote_type, unit=100)
    return instance, tally(instance, rule, threshold=threshold)


def test_job_stores_the_result_that_an_independent_count_gives(app, voted_budget, staff):
    park, benches, library, gym = voted_budget.projects
    started = start_and_work(app, voted_budget, staff)

    job = db.session.get(JobRun, started.job_id)
    assert job.status is JobStatus.DONE and job.progress == 100
    [run] = runs()
    votes = [[park, benches], [park, gym], [park, benches, gym], [library], []]
    instance, outcome = independent_count(voted_budget, votes)
    assert run.outcome == json.loads(json.dumps(outcome.as_dict()))
    assert run.inputs_hash == services.inputs_hash(instance, "greedy")
    assert run.outcome["selected"] == [str(park.id), str(benches.id)]  # 30,000 + 20,000; the gym (25,000) does not fit
    assert run.ballot_count == 5
    assert run.software_version and run.job_id == started.job_id and run.published_at is None
    assert run.details["turnout"]["by_channel"] == {"online": 4, "assisted": 0, "paper": 1}
    assert run.details["titles"][str(park.id)] == {"fi": "Leikkipuisto"}
    assert actions() == ["tally.started", "tally.finished"]


def test_progress_is_recorded_while_the_job_runs(app, voted_budget, staff, monkeypatch):
    seen = []
    original = jobs.report_progress

    def spy(job_id, percent):
        seen.append(percent)
        original(job_id, percent)

    monkeypatch.setattr(jobs, "report_progress", spy)
    start_and_work(app, voted_budget, staff)
    assert seen == sorted(seen) and len(seen) >= 3 and 0 < seen[0] and seen[-1] < 100


def test_double_start_queues_once_and_rerun_gives_same_hash_without_duplicate(app, voted_budget, staff):
    first = services.start_tally(voted_budget, staff)
    commit()
    if app.config.get("REDIS_URL"):
        second = services.start_tally(voted_budget, staff)  # the double click, while the first is queued
        commit()
        assert second.job_id == first.job_id and not second.queued
    run_queued_jobs(app)
    db.session.expire_all()
    [run] = runs()

    again = services.start_tally(voted_budget, staff)  # the same ballots once more
    commit()
    run_queued_jobs(app)
    assert again.run.id == run.id and not again.queued
    jobs.run_tally(voted_budget.id, run.inputs_hash, staff.id)  # the job itself, run twice
    db.session.expire_all()
    assert [r.id for r in runs()] == [run.id]
    assert db.session.scalar(db.select(db.func.count(JobRun.id))) == 1


def test_new_ballots_give_a_new_run_with_a_new_hash(app, voted_budget, staff):
    start_and_work(app, voted_budget, staff)
    add_ballots(voted_budget, [[voted_budget.projects[3]]])
    start_and_work(app, voted_budget, staff)
    first, second = runs()
    assert first.inputs_hash != second.inputs_hash
    assert second.ballot_count == first.ballot_count + 1


def test_failure_after_counting_leaves_no_result_and_the_retry_succeeds(app, voted_budget, staff, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("worker killed after counting")

    monkeypatch.setattr(jobs, "record", crash)  # fails after the run row is added and flushed
    started = start_and_work(app, voted_budget, staff)
    job = db.session.get(JobRun, started.job_id)
    assert job.status is JobStatus.FAILED and "worker killed" in job.error
    assert runs() == []
    assert "tally.finished" not in actions()

    monkeypatch.undo()
    retry = start_and_work(app, voted_budget, staff)
    assert retry.job_id == started.job_id and retry.queued
    job = db.session.get(JobRun, started.job_id)
    assert job.status is JobStatus.DONE and job.attempts == 2
    assert len(runs()) == 1


def test_a_job_left_running_by_a_dead_worker_can_be_started_again(app, voted_budget, staff):
    from datetime import timedelta

    from pb.models_base import utcnow

    hash_value = services.inputs_hash(services.load_instance(voted_budget), "greedy")
    job_id = services.tally_job_id(voted_budget.id, hash_value)
    started_at = utcnow() - services.STALE_JOB_AFTER - timedelta(minutes=1)
    db.session.add(JobRun(id=job_id, func="pb.tally.jobs:run_tally", args=[voted_budget.id, hash_value, staff.id],
                          status=JobStatus.RUNNING, started_at=started_at))
    db.session.commit()

    again = start_and_work(app, voted_budget, staff)
    assert again.job_id == job_id and again.queued
    assert db.session.get(JobRun, job_id).status is JobStatus.DONE
    assert len(runs()) == 1


def test_counting_is_refused_while_voting_is_open(staff):
    budget = make_round(voting="open").budgets[0]
    with pytest.raises(services.TallyError):
        services.start_tally(budget, staff)
    assert actions() == []


def test_published_result_is_never_replaced_or_changed(app, voted_budget, staff):
    start_and_work(app, voted_budget, staff)
    [first] = runs()
    services.publish_tally(first, staff)
    commit()
    run_queued_jobs(app)  # the what-if job
    db.session.expire_all()

    add_ballots(voted_budget, [[voted_budget.projects[2]]] * 3)  # late paper ballots, say
    start_and_work(app, voted_budget, staff)
    first, second = runs()
    with pytest.raises(services.TallyError):
        services.publish_tally(second, staff)
    with pytest.raises(services.TallyError):
        services.publish_tally(first, staff)
    db.session.rollback()
    assert services.published_run(voted_budget.id).id == first.id

    first.outcome = {"selected": []}
    with pytest.raises(ImmutableTallyRun):
        db.session.flush()
    db.session.rollback()

    # Even around the service, the database keeps one published result per budget.
    budget_id, published_at = voted_budget.id, second.created_at
    second.published_at = published_at
    second.published_budget_id = budget_id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert actions().count("tally.published") == 1


def test_publishing_computes_the_what_if_outcomes(app, voted_budget, staff):
    start_and_work(app, voted_budget, staff)
    [run] = runs()
    services.publish_tally(run, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    rules = {what_if.rule: what_if for what_if in run.what_ifs}
    assert set(rules) == set(services.what_if_rules(run))
    assert "greedy" not in rules and "greedy-threshold" not in rules
    assert rules["utilitarian-optimal"].outcome["selected"]  # a small instance: the exact rule can count it
    assert db.session.get(JobRun, services.what_if_job_id(run.id)).status is JobStatus.DONE


def test_cumulative_ballots_and_threshold_rule_match_an_independent_count(app, staff):
    budget = make_round(ballot_format=BallotFormat.CUMULATIVE, points=5, rule="greedy-threshold", threshold=4).budgets[0]
    park, benches, library, gym = budget.projects
    votes = [{park: 3, benches: 2}, {benches: 5}, {library: 1, gym: 4}, {park: 2}]
    add_ballots(budget, votes)
    start_and_work(app, budget, staff)
    [run] = runs()
    instance, outcome = independent_count(budget, votes, "greedy-threshold", 4, vote_type="cumulative")
    assert run.outcome == json.loads(json.dumps(outcome.as_dict()))
    assert run.inputs_hash == services.inputs_hash(instance, "greedy-threshold", 4)
    assert run.threshold == 4 and run.vote_type == "cumulative"
    kinds = {result["id"]: result["reason"]["kind"] for result in run.outcome["projects"]}
    assert kinds[str(library.id)] == "below_threshold"  # 1 point < 4


def test_the_hash_ignores_ballot_order_but_not_the_rule_or_costs(voted_budget):
    instance = services.load_instance(voted_budget)
    park, benches, library, gym = voted_budget.projects
    votes = [[library], [], [park, benches, gym], [park, gym], [benches, park]]
    reordered, _outcome = independent_count(voted_budget, votes)
    assert services.inputs_hash(reordered, "greedy") == services.inputs_hash(instance, "greedy")
    assert services.inputs_hash(instance, "equalshares") != services.inputs_hash(instance, "greedy")
    cheaper = make_instance(
        [RulesProject(id=p.id, cost=p.cost - 1) for p in instance.projects], instance.budget,
        [[str(p.id) for p in vote] for vote in votes], unit=100,
    )
    assert services.inputs_hash(cheaper, "greedy") != services.inputs_hash(instance, "greedy")


def test_real_redis_worker_runs_the_tally(app, voted_budget, staff):
    """CI sets REDIS_URL: the count must go through Redis and a real worker, not run inline."""
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set; jobs run inline (covered by the other tests)")
    from rq import Queue

    from pb.jobs import redis_connection

    queue = Queue(app.config["RQ_QUEUE"], connection=redis_connection())
    queue.empty()
    started = services.start_tally(voted_budget, staff)
    commit()
    assert db.session.get(JobRun, started.job_id).status is JobStatus.QUEUED
    assert queue.count == 1 and runs() == []
    run_queued_jobs(app)
    db.session.expire_all()
    assert db.session.get(JobRun, started.job_id).status is JobStatus.DONE
    assert len(runs()) == 1


def test_a_job_for_other_ballots_stores_nothing(voted_budget, staff):
    with pytest.raises(services.TallyInputsChanged):
        jobs.run_tally(voted_budget.id, "0" * 64, staff.id)
    db.session.rollback()
    assert runs() == []


def test_what_if_marks_a_rule_that_cannot_count_these_ballots(app, voted_budget, staff, monkeypatch):
    import pb.rules.optimal

    start_and_work(app, voted_budget, staff)
    [run] = runs()
    monkeypatch.setattr(pb.rules.optimal, "MAX_TABLE_CELLS", 1)
    services.publish_tally(run, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    optimal = next(what_if for what_if in run.what_ifs if what_if.rule == "utilitarian-optimal")
    assert optimal.outcome is None and optimal.unavailable == "too_large"
