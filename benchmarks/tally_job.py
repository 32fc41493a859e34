"""A tally of a large real round as a background job, end to end (not a test).

Imports a pabulib file into a fresh database as a closed round with one budget (bulk
insert), then times what a staff member's "Count the votes" button sets off: the request
part (load the ballots, hash them, queue the job) and the job (load, hash, count, store the
TallyRun in one transaction), with the progress the staff page shows sampled on the way.
Then it publishes the run and times the public results page (in-process test client).

    python benchmarks/tally_job.py [--file Poland_Lodz_2022.pb] [--rq] [--pages 200]

Database: a SQLite file in a temporary folder, or with DATABASE_URL (PostgreSQL) a scratch
database created on that server and dropped afterwards. Jobs run inline unless ``--rq``:
then REDIS_URL must be set, and an RQ worker process (started here, stopped at the end)
runs the job from its own queue, as in production.
"""

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("PB_PABULIB_DIR", REPO.parent / "shared" / "data" / "pabulib"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default="Poland_Lodz_2022.pb", help="a .pb file, or its name in the shared data folder")
    parser.add_argument("--rq", action="store_true", help="run the job on a real RQ worker (needs REDIS_URL)")
    parser.add_argument("--pages", type=int, default=200, help="results page requests to time")
    args = parser.parse_args()
    path = Path(args.file) if Path(args.file).exists() else DATA / args.file
    if not path.exists():
        sys.exit(f"no such file: {path}")
    if args.rq and not os.environ.get("REDIS_URL"):
        sys.exit("--rq needs REDIS_URL")
    print("reproduce:", shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")

    with tempfile.TemporaryDirectory(prefix="pb-bench-") as folder, scratch_database(folder) as database_url:
        print(f"database: {database_url.split('@')[-1]}; jobs: {'RQ worker' if args.rq else 'inline'}\n")
        os.environ["PB_INSTANCE_PATH"] = folder
        run(path, database_url, args, folder)


class scratch_database:
    """A fresh SQLite file, or a new PostgreSQL database next to DATABASE_URL's (dropped at exit)."""

    def __init__(self, folder):
        self.folder = folder
        self.admin_url = None
        self.name = None

    def __enter__(self):
        url = os.environ.get("DATABASE_URL")
        if not url:
            return f"sqlite:///{self.folder}/bench.sqlite"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.name = f"pb_bench_{os.getpid()}"
        self.admin_url = base.set(database="postgres")
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        return base.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc):
        if self.name:
            from sqlalchemy import create_engine, text

            engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            engine.dispose()


def run(path, database_url, args, folder):
    from pb.app import create_app
    from pb.extensions import db
    from pb.jobs import JobRun, JobStatus
    from pb.tally import services
    from pb.tally.models import TallyRun
    from pb.transactions import commit
    from pb.voting import services as voting
    from pb.voting.models import Ballot, BallotChoice, RoundBudget

    queue_name = f"pb-bench-{uuid.uuid4().hex[:8]}"
    config = {
        "SECRET_KEY": "benchmark-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") if args.rq else None,
        "RQ_QUEUE": queue_name,
        "TESTING": True,
        "RATELIMIT_ENABLED": False,
        "OUTBOX_PATH": f"{folder}/outbox",
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        budget_round = voting.import_pabulib(path, path.stem)
        commit()
        import_seconds = time.perf_counter() - started
        budget = budget_round.budgets[0]
        ballots = db.session.scalar(db.select(db.func.count()).select_from(Ballot))
        choices = db.session.scalar(db.select(db.func.count()).select_from(BallotChoice))
        print(f"import {path.name}: {ballots:,} ballots, {choices:,} choices, "
              f"{len(budget.projects)} projects, rule {budget_round.rule}: {import_seconds:.2f} s\n")

    worker = start_worker(database_url, queue_name, folder) if args.rq else None
    try:
        with app.app_context():
            budget = db.session.get(RoundBudget, budget.id)
            samples = []
            stop = threading.Event()
            watcher = threading.Thread(target=watch_progress, args=(app, budget.id, samples, stop), daemon=True)
            watcher.start()
            started = time.perf_counter()
            with app.test_request_context():
                start = services.start_tally(budget, None)
                request_seconds = time.perf_counter() - started
                commit()  # inline: the job runs here; with RQ: queued for the worker
            while True:
                job = db.session.get(JobRun, start.job_id)
                if job.is_finished:
                    break
                db.session.rollback()
                time.sleep(0.02)
            end_to_end = time.perf_counter() - started
            stop.set()
            watcher.join()
            if job.status is not JobStatus.DONE:
                sys.exit(f"the job failed: {job.error}")
            job_seconds = (job.finished_at - job.started_at).total_seconds()
            run = db.session.execute(db.select(TallyRun)).scalar_one()
            print("tally (what the staff button sets off):")
            print(f"  request: load + hash + queue        {request_seconds:6.2f} s")
            print(f"  job: load + hash + count + store    {job_seconds:6.2f} s")
            print(f"  end to end, click to stored result  {end_to_end:6.2f} s   (target < 10 s)")
            print(f"  progress seen by the staff page     {format_samples(samples)}")
            print(f"  result: {len(run.outcome['selected'])} of {len(run.outcome['projects'])} projects funded, "
                  f"{run.ballot_count:,} ballots, inputs hash {run.inputs_hash[:16]}…")

            started = time.perf_counter()
            with app.test_request_context():
                again = services.start_tally(budget, None)
                commit()
            print(f"  second click (same ballots, no new job): {time.perf_counter() - started:.2f} s, "
                  f"returns run {again.run.id if again.run else None}\n")

            staff = bench_staff()
            db.session.add(staff)
            db.session.flush()
            services.publish_tally(run, staff)
            db.session.commit()  # plain commit: the what-if counts are not part of this benchmark
            time_pages(app, budget.id, args.pages)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def bench_staff():
    from pb.auth.models import User

    return User(email="bench-staff@example.test", display_name="Bench", is_staff_member=True)


def start_worker(database_url, queue_name, folder):
    """An RQ worker process on its own queue, as `flask pb worker` runs it in production."""
    env = dict(os.environ, DATABASE_URL=database_url, PB_RQ_QUEUE=queue_name, SECRET_KEY="benchmark-secret-key",
               PB_INSTANCE_PATH=folder, FLASK_APP="wsgi:app")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "pb", "worker"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(os.environ["REDIS_URL"])
    queue = Queue(queue_name, connection=connection)
    deadline = time.monotonic() + 60
    while not Worker.all(queue=queue):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit("the RQ worker did not start")
        time.sleep(0.1)
    return worker


def watch_progress(app, budget_id, samples, stop):
    """Read the JobRun as the staff page does, on another connection, every 50 ms."""
    from pb.extensions import db
    from pb.jobs import JobRun

    started = time.perf_counter()
    with app.app_context():
        while not stop.is_set():
            run = db.session.execute(
                db.select(JobRun.status, JobRun.progress).where(JobRun.id.like(f"tally-{budget_id}-%"))
            ).first()
            db.session.rollback()
            if run and (not samples or samples[-1][1:] != (str(run.status), run.progress)):
                samples.append((time.perf_counter() - started, str(run.status), run.progress))
            time.sleep(0.05)


def format_samples(samples):
    return ", ".join(f"{at:.1f}s {status} {progress}%" for at, status, progress in samples) or "none"


def time_pages(app, budget_id, count):
    client = app.test_client()
    for url, label in ((f"/results/budgets/{budget_id}", "results page"), ("/results/", "results index")):
        client.get(url)  # warm up templates
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        print(f"{label} (in process, {count} requests): p50 {statistics.median(timings):.1f} ms, "
              f"p95 {timings[int(0.95 * len(timings)) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
