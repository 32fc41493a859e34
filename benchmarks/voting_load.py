"""Voting under load on the production stack: gunicorn + PostgreSQL + Redis, loopback only (not a test).

What it does, and stops by itself (bounded by the number of codes):
1. a scratch PostgreSQL database on the local server (created here, dropped at the end) and
   a private Redis on a free loopback port (started here, stopped at the end);
2. a round open for voting with 3 districts and a city-wide budget, 8 projects each, approval
   ballots (choose up to 3), voters vote in their own district and city-wide, with one-time voting
   codes; and a closed round imported from a large pabulib file (default Wrocław 2015, 131,778
   ballots), counted and published, for the results page;
3. gunicorn on 127.0.0.1 serving wsgi:app (rate limits off: every client is 127.0.0.1);
4. whole visits (``--mode visit``): threads (plain http.client, one cookie jar and one kept-alive
   connection per voter) make the requests a browser makes, from the code page to the end:
   code page, code, voting page, then for the district and the city-wide budget the ballot page,
   the ballot and its receipt page, and "finished" (10 requests, CSRF tokens read from the pages);
   figures: voters/s, ballots/s and p50/p95/p99 per kind of request;
5. ballots alone (``--mode post``): every voter first opens a ballot (code page, code, ballot page),
   then, timed on their own, all voters send their ballots (POST, the figure "ballots/s") and read
   their receipts. In both modes a few codes are typed into two browsers whose ballots go at the
   same moment, which must give one ballot;
6. while ballots are cast, a thread samples ``pg_stat_activity`` every 20 ms: every ballot that
   waits on a lock, and the query of the transaction holding it. A ballot waiting for another
   voter's ballot fails the run; the deliberate same-code pairs wait on their own code's row;
7. threads read the results page of the 131,778-ballot budget and a static file;
8. checks: every accepted ballot is in the database once, its receipt finds it, no code has
   two ballots in a budget, nothing else was stored; prints the figures and judges them against the
   targets (TARGETS below): a target missed prints "MISSED: ..." and the run exits 1.

    python benchmarks/voting_load.py [--mode both|visit|post] [--threads 16] [--codes 6000]
        [--workers 4] [--page-requests 2000] [--results-file Poland_Wroclaw_2015_150_-_500.pb]

DATABASE_URL names the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

import argparse
import http.client
import os
import random
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
DATA = Path(os.environ.get("PB_PABULIB_DIR", REPO.parent / "shared" / "data" / "pabulib"))
HOST = "127.0.0.1"
SECRET = "voting-load-benchmark-secret"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"')
RECEIPT = re.compile(r'class="receipt-code">([A-Z0-9-]+)<')
DUPLICATE_SHARE = 0.02  # share of codes that two threads send at the same moment
# The targets the run is judged by (issue: voting at city scale): one missed prints "MISSED: ..." and exits 1.
TARGET_VOTERS_PER_SECOND = 40  # whole visits, at 16 concurrent voters
TARGET_VISIT_REQUEST_P95_MS = 300  # every kind of request of the visit
TARGET_BALLOTS_PER_SECOND = 300  # ballot POSTs alone
TARGET_CAST_P95_MS = 150
TARGET_RESULTS_P95_MS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("both", "visit", "post"), default="both",
                        help="whole voter visits, ballot POSTs alone, or both (each with its own codes)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent voters (client threads)")
    parser.add_argument("--codes", type=int, default=6000, help="voting codes (voters) per mode")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--page-requests", type=int, default=2000, help="results page requests (and as many static)")
    parser.add_argument("--results-file", default="Poland_Wroclaw_2015_150_-_500.pb")
    args = parser.parse_args()
    print("reproduce:", shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    for tool in ("gunicorn", "redis-server"):
        if not (shutil.which(tool) or (Path(sys.executable).parent / tool).exists()):
            sys.exit(f"{tool} is not installed")

    from tally_job import scratch_database

    # The pages in Finnish, as residents get them (as ``make run`` does): compiled catalogues.
    catalogues = str(REPO / "pb" / "translations")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d", catalogues], check=True)

    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    modes = ("visit", "post") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory(prefix="pb-load-") as folder, scratch_database(folder) as database_url:
        redis = start_redis(folder)
        try:
            env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis.url, SECRET_KEY=SECRET,
                       PB_INSTANCE_PATH=folder, PB_RATELIMIT_ENABLED="0", SESSION_COOKIE_SECURE="0",
                       PB_RQ_QUEUE="pb-load")
            os.environ.update(PB_INSTANCE_PATH=folder)
            setup = prepare(database_url, redis.url, folder, args, modes)
            server = start_gunicorn(env, args.workers, args.worker_threads)
            runs = {}
            try:
                meter = CpuMeter(server.popen.pid, database_url)
                for mode in modes:
                    with LockSampler(database_url) as locks:
                        runs[mode] = (whole_visits if mode == "visit" else cast_ballots)(
                            server.port, setup, args, meter)
                    runs[mode]["locks"] = locks.summary()
                pages = read_pages(server.port, setup, args)
            finally:
                server.stop()
            check = verify(database_url, redis.url, folder, setup, runs)
        finally:
            redis.stop()
    missed = report(setup, runs, pages, check, args)
    if missed:
        sys.exit(1)


# --- services on loopback ------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Process:
    def __init__(self, popen, port, url=None):
        self.popen, self.port, self.url = popen, port, url

    def stop(self):
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def wait_for_port(port, popen, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            sys.exit(f"{what} stopped at start (exit {popen.returncode})")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{what} did not start on {HOST}:{port}")


def start_redis(folder):
    port = free_port()
    popen = subprocess.Popen(
        ["redis-server", "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, popen, "redis-server")
    return Process(popen, port, f"redis://{HOST}:{port}/0")


def start_gunicorn(env, workers, threads):
    port = free_port()
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    popen = subprocess.Popen(
        [gunicorn, "--bind", f"{HOST}:{port}", "--workers", str(workers), *worker_class,
         "--log-level", "warning", "wsgi:app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, popen, "gunicorn")
    client = Client(port)
    deadline = time.monotonic() + 60
    while client.get("/help")[0] != 200:  # every worker has loaded the app
        if time.monotonic() > deadline:
            sys.exit("gunicorn does not answer")
        time.sleep(0.2)
    return Process(popen, port)


# --- data ----------------------------------------------------------------------------------


def app_for(database_url, redis_url, folder):
    from pb.app import create_app

    return create_app({
        "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": redis_url, "TESTING": True,
        "OUTBOX_PATH": f"{folder}/outbox",
    })


def prepare(database_url, redis_url, folder, args, modes):
    """Schema, an open round with codes for each mode, and a counted and published 100,000+ ballot round."""
    from pb.auth.models import User
    from pb.districts.models import District
    from pb.extensions import db
    from pb.models_base import utcnow
    from pb.tally import services as tally
    from pb.transactions import commit
    from pb.voting import services as voting
    from pb.voting.codes import new_key_salt
    from pb.voting.models import BallotFormat, BudgetRound, EligibilityMode, Project, RoundBudget, RoundPhase

    app = app_for(database_url, redis_url, folder)
    with app.app_context(), app.test_request_context():
        db.create_all()
        staff = User(email="load-staff@example.test", display_name="Load staff", is_staff_member=True)
        districts = [District(name={"fi": name}, population=population, postal_codes=[])
                     for name, population in (("Keskusta", 24_000), ("Pohjoinen", 41_000), ("Itä", 38_000))]
        db.session.add_all([staff, *districts])
        now = utcnow()
        budget_round = BudgetRound(
            name={"fi": "Kuormitustesti"}, description={}, phase=RoundPhase.VOTING, frozen_at=now,
            voting_closes_at=now + timedelta(hours=2), ballot_format=BallotFormat.APPROVAL, max_choices=3,
            rule="greedy", key_salt=new_key_salt(), eligibility=EligibilityMode.OWN_PLUS_CITYWIDE,
        )
        for district in [*districts, None]:
            budget = RoundBudget(round=budget_round, district=district, amount_cents=100_000_00)
            for position in range(8):
                budget.projects.append(Project(title={"fi": f"Hanke {position + 1}"}, description={},
                                               cost_cents=(10 + 5 * position) * 1000_00, position=position))
            db.session.add(budget)
        db.session.flush()
        codes = {}
        per_district = -(-args.codes // len(districts))
        for mode in modes:
            codes[mode] = []
            for district in districts:
                made = 0
                while made < per_district:
                    size = min(voting.MAX_CODES_PER_BATCH, per_district - made)
                    _batch, plain = voting.create_code_batch(staff, budget_round, f"{mode} {district.id}", size,
                                                             district.id)
                    budget_id = budget_round.budget_for(district.id).id
                    codes[mode].extend((code, budget_id) for code in plain)
                    made += size
        projects = {budget.id: [project.id for project in budget.projects] for budget in budget_round.budgets}
        citywide_id = budget_round.citywide_budget.id
        commit()
        round_id = budget_round.id

        path = Path(args.results_file) if Path(args.results_file).exists() else DATA / args.results_file
        started = time.perf_counter()
        imported = voting.import_pabulib(path, path.stem)
        commit()
        results_budget = imported.budgets[0]
        tally.start_tally(results_budget, staff)
        commit()  # REDIS_URL is None here: the count runs inline
        run = tally.published_run(results_budget.id) or tally.runs_of(results_budget.id)[0]
        tally.publish_tally(run, staff)
        db.session.commit()  # the what-if counts are not needed for this benchmark
        print(f"setup: {sum(map(len, codes.values())):,} codes; imported and counted {run.ballot_count:,} ballots "
              f"of {path.name} in {time.perf_counter() - started:.1f} s\n")
        return {"round_id": round_id, "codes": codes, "projects": projects, "citywide": citywide_id,
                "results_budget": results_budget.id, "results_ballots": run.ballot_count}


# --- the client ----------------------------------------------------------------------------


class Client:
    """One browser: a cookie jar and plain HTTP/1.1 on loopback; redirects are not followed."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method, path, form=None):
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Accept-Language": "fi"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # the server closed a kept-alive connection: once more
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), data

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form)


def token(html):
    match = TOKEN.search(html)
    return match.group(1) if match else ""


class Voter:
    """One code voter's browser, from the code page to the ballot form ready to send."""

    def __init__(self, port, round_id, code, budget_id, choices):
        self.client = Client(port)
        self.code, self.choices = code, choices
        self.ballot_url = f"/voting/{round_id}/ballot/{budget_id}"
        self.budget_id = budget_id
        self.round_id = round_id
        self.form = None
        self.outcome, self.seconds, self.receipt = None, None, None

    def open_ballot(self):
        """GET the code page, POST the code, GET the ballot: the form is then ready to send."""
        client = self.client
        status, _location, html = client.get(f"/voting/{self.round_id}/code")
        if status != 200:
            self.outcome = f"code page {status}"
            return
        status, _location, html = client.post(f"/voting/{self.round_id}/code", {"csrf_token": token(html), "code": self.code})
        if status != 302:
            self.outcome = "refused" if status in (409, 422) else f"code post {status}"
            return
        status, _location, html = client.get(self.ballot_url)
        if status != 200:
            self.outcome = "refused" if status in (403, 409) else f"ballot page {status}"
            return
        version = VERSION.search(html)
        self.form = {"csrf_token": token(html), "version": version.group(1) if version else "", "action": "cast",
                     "project": [str(project) for project in self.choices]}
        client.connection.close()  # thousands of voters wait; the cast opens a new connection

    def cast(self):
        """POST the ballot (timed); a redirect to the saved page means it was accepted."""
        started = time.perf_counter()
        status, location, _html = self.client.post(self.ballot_url, self.form)
        self.seconds = time.perf_counter() - started
        if status != 302 or "/saved" not in location:
            self.outcome = "refused" if status in (403, 409, 422) else f"cast {status}"
        else:
            self.outcome, self.saved_path = "cast", urllib.parse.urlsplit(location).path
        self.client.connection.close()

    def read_receipt(self):
        _status, _location, html = self.client.get(self.saved_path)
        receipt = RECEIPT.search(html)
        self.receipt = receipt.group(1) if receipt else None
        self.client.connection.close()


class Visitor:
    """One code voter's whole visit, as a browser makes it: 10 requests, each timed by kind."""

    def __init__(self, port, setup, code, budget_id, rng):
        self.client = Client(port)
        self.code = code
        self.round_id = setup["round_id"]
        self.budgets = [(budget_id, rng.sample(setup["projects"][budget_id], rng.randint(1, 3)))
                        for budget_id in (budget_id, setup["citywide"])]
        self.timings = []  # (kind, seconds)
        self.cast, self.outcome = [], None  # cast: (budget id, receipt) per ballot accepted

    def timed(self, kind, method, path, form=None):
        started = time.perf_counter()
        answer = self.client.request(method, path, form)
        self.timings.append((kind, time.perf_counter() - started))
        return answer

    def visit(self):
        base = f"/voting/{self.round_id}"
        try:
            status, _location, html = self.timed("code page", "GET", f"{base}/code")
            csrf = token(html)
            status, _location, _html = self.timed("code", "POST", f"{base}/code", {"csrf_token": csrf, "code": self.code})
            if status != 302:
                self.outcome = "refused" if status in (409, 422) else f"code post {status}"
                return
            status, _location, html = self.timed("voting page", "GET", f"{base}/vote")
            if status != 200:
                self.outcome = f"voting page {status}"
                return
            for budget_id, choices in self.budgets:
                ballot_url = f"{base}/ballot/{budget_id}"
                status, _location, html = self.timed("ballot page", "GET", ballot_url)
                if status != 200:
                    self.outcome = "refused" if status in (403, 409) else f"ballot page {status}"
                    return
                version = VERSION.search(html)
                form = {"csrf_token": token(html), "version": version.group(1) if version else "", "action": "cast",
                        "project": [str(project) for project in choices]}
                status, location, _html = self.timed("cast", "POST", ballot_url, form)
                if status != 302 or "/saved" not in location:
                    self.outcome = "refused" if status in (403, 409, 422) else f"cast {status}"
                    return
                status, _location, html = self.timed("receipt page", "GET", urllib.parse.urlsplit(location).path)
                receipt = RECEIPT.search(html)
                self.cast.append((budget_id, receipt.group(1) if receipt else None))
            status, _location, _html = self.timed("finished", "POST", f"{base}/code/finish", {"csrf_token": csrf})
            self.outcome = "done" if status == 302 else f"finish {status}"
        finally:
            self.client.connection.close()


def whole_visits(port, setup, args, meter):
    """Voters make whole visits on ``args.threads`` threads; a few codes go to two browsers at once.

    The first ``args.threads`` visits warm every worker up (templates, the round's set-up) and are
    not timed; their ballots are checked with the others.
    """
    rng = random.Random(11)
    codes = list(setup["codes"]["visit"])
    rng.shuffle(codes)
    twice = set(rng.sample(range(len(codes)), int(len(codes) * DUPLICATE_SHARE)))
    work = []
    for index, (code, budget_id) in enumerate(codes):
        visitor = Visitor(port, setup, code, budget_id, rng)
        work.append((visitor, Visitor(port, setup, code, budget_id, rng)) if index in twice else visitor)

    def go(item):
        if isinstance(item, tuple):  # the same code typed into two browsers at the same moment
            twin = threading.Thread(target=item[1].visit)
            twin.start()
            item[0].visit()
            twin.join()
        else:
            item.visit()

    warm_up, work = work[:args.threads], work[args.threads:]
    run_threads(args.threads, warm_up, go)
    before = meter.read()
    seconds = run_threads(args.threads, work, go)
    cpu = CpuMeter.used(before, meter.read())
    every = [v for item in warm_up + work for v in (item if isinstance(item, tuple) else (item,))]
    visitors = [v for item in work for v in (item if isinstance(item, tuple) else (item,))]
    by_kind = {}
    for visitor in visitors:
        for kind, took in visitor.timings:
            by_kind.setdefault(kind, []).append(took)
    return {
        "mode": "visit",
        "cast": [(visitor.code, budget_id, receipt) for visitor in every for budget_id, receipt in visitor.cast],
        "timed_ballots": sum(len(visitor.cast) for visitor in visitors),
        "cpu": cpu,
        "done": sum(1 for visitor in visitors if visitor.outcome == "done"),
        "refused": sum(1 for visitor in visitors if visitor.outcome == "refused"),
        "errors": [v.outcome for v in visitors if v.outcome not in ("done", "refused")],
        "duplicates_sent": sum(1 for item in work if isinstance(item, tuple)),
        "voters": len(visitors),
        "requests": by_kind,
        "seconds": seconds,
    }


class CpuMeter:
    """CPU seconds used by the gunicorn workers and by this database's PostgreSQL backends.

    Read from /proc before and after a run: per request, these do not depend on how busy the
    machine is (wall-clock figures do), so they are what capacity is planned from.
    """

    def __init__(self, gunicorn_pid, database_url):
        self.gunicorn_pid = gunicorn_pid
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")

    @staticmethod
    def _seconds(pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def _workers(self):
        children = Path(f"/proc/{self.gunicorn_pid}/task/{self.gunicorn_pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def _backends(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def read(self):
        return ({pid: self._seconds(pid) for pid in self._workers()},
                {pid: self._seconds(pid) for pid in self._backends()})

    @staticmethod
    def used(before, after):
        """Seconds used between two readings (a process that started in between counts from zero)."""
        return tuple(sum(seconds - start.get(pid, 0.0) for pid, seconds in end.items())
                     for start, end in zip(before, after))


class LockSampler:
    """Samples pg_stat_activity while ballots are cast: who waits on a lock, and who holds it."""

    QUERY = """
        SELECT waiting.pid, waiting.wait_event_type, waiting.wait_event, left(waiting.query, 120),
               left(holder.query, 120),
               waiting.query LIKE '%FROM voting_codes%FOR UPDATE%' AS on_code_row
        FROM pg_stat_activity AS waiting
        LEFT JOIN LATERAL unnest(pg_blocking_pids(waiting.pid)) AS blocker(pid) ON true
        LEFT JOIN pg_stat_activity AS holder ON holder.pid = blocker.pid
        WHERE waiting.datname = current_database() AND waiting.wait_event_type = 'Lock'
          AND waiting.pid <> pg_backend_pid()
    """

    def __init__(self, database_url):
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.samples, self.waits = 0, []
        self.stopping = threading.Event()

    def __enter__(self):
        import psycopg

        self.connection = psycopg.connect(self.url, autocommit=True)
        self.thread = threading.Thread(target=self.run)
        self.thread.start()
        return self

    def run(self):
        while not self.stopping.is_set():
            rows = self.connection.execute(self.QUERY).fetchall()
            self.samples += 1
            self.waits.extend(rows)
            self.stopping.wait(0.02)

    def __exit__(self, *_exc):
        self.stopping.set()
        self.thread.join()
        self.connection.close()

    def summary(self):
        """Waits by kind. A same-code pair's second ballot waits on its code's row: the same voter."""
        same_voter = [row for row in self.waits if row[5]]
        other = [row for row in self.waits if not row[5]]
        kinds = {}
        for _pid, event_type, event, waiting_query, holder_query, _on_code_row in other:
            key = f"{event_type}/{event}: {' '.join((waiting_query or '').split())[:70]} <- {' '.join((holder_query or '').split())[:50]}"
            kinds[key] = kinds.get(key, 0) + 1
        return {"samples": self.samples, "same_voter": len(same_voter), "other_voters": len(other), "kinds": kinds}


def run_threads(count, items, action):
    """``action(item)`` for every item, on ``count`` threads; returns the seconds it took."""
    lock = threading.Lock()
    remaining = iter(items)

    def worker():
        while True:
            with lock:
                item = next(remaining, None)
            if item is None:
                return
            action(item)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def cast_ballots(port, setup, args, meter):
    """Voters open their ballots, then send them all as fast as the server takes them.

    The two phases are timed apart: casting (the POST that stores a ballot) is what the
    ballots/s figure measures; opening a ballot (three requests per voter) is reported too.
    A share of the codes is typed into two browsers, whose two ballots are sent at the same moment.
    """
    rng = random.Random(7)
    codes = list(setup["codes"]["post"])
    rng.shuffle(codes)
    twice = set(rng.sample(range(len(codes)), int(len(codes) * DUPLICATE_SHARE)))
    voters, pairs = [], []
    for index, (code, budget_id) in enumerate(codes):
        choices = rng.sample(setup["projects"][budget_id], rng.randint(1, 3))
        voter = Voter(port, setup["round_id"], code, budget_id, choices)
        if index in twice:
            twin = Voter(port, setup["round_id"], code, budget_id, choices)
            pairs.append((voter, twin))
            voters.append(twin)
        voters.append(voter)

    opening_seconds = run_threads(args.threads, voters, Voter.open_ballot)
    ready = [voter for voter in voters if voter.form is not None]
    singles = [voter for voter in ready if not any(voter in pair for pair in pairs)]
    ready_pairs = [pair for pair in pairs if all(voter.form is not None for voter in pair)]

    def send(item):
        if isinstance(item, tuple):  # the same code from two browsers at the same moment
            twin = threading.Thread(target=item[1].cast)
            twin.start()
            item[0].cast()
            twin.join()
        else:
            item.cast()

    work = singles + ready_pairs
    rng.shuffle(work)
    before = meter.read()
    casting_seconds = run_threads(args.threads, work, send)
    cpu = CpuMeter.used(before, meter.read())
    accepted = [voter for voter in ready if voter.outcome == "cast"]
    run_threads(args.threads, accepted, Voter.read_receipt)
    return {
        "mode": "post",
        "cpu": cpu,
        "cast": [(voter.code, voter.seconds, voter.receipt, voter.budget_id) for voter in accepted],
        "refused": sum(1 for voter in voters if voter.outcome == "refused"),
        "errors": [voter.outcome for voter in voters if voter.outcome not in (None, "cast", "refused")],
        "duplicates_sent": len(ready_pairs),
        "voters": len(voters),
        "opening_seconds": opening_seconds,
        "seconds": casting_seconds,
    }


def read_pages(port, setup, args):
    """Results page of the big budget and a static file, read by the same number of threads."""
    return {
        "results": read_page(port, f"/results/budgets/{setup['results_budget']}", args),
        "static": read_page(port, "/static/css/pb.css", args),
    }


def read_page(port, path, args):
    timings, failures = [], []
    lock, local = threading.Lock(), threading.local()

    def read(_request):
        if not hasattr(local, "client"):
            local.client = Client(port)
        started = time.perf_counter()
        status, _location, _html = local.client.get(path)
        seconds = time.perf_counter() - started
        with lock:
            (timings if status == 200 else failures).append(seconds if status == 200 else status)

    Client(port).get(path)  # warm the cache of every worker a little
    seconds = run_threads(args.threads, range(args.page_requests), read)
    return {"timings": sorted(timings), "failures": failures, "seconds": seconds}


# --- checks and report ---------------------------------------------------------------------


def verify(database_url, redis_url, folder, setup, runs):
    """Every accepted ballot stored once and findable by its receipt; nothing else stored."""
    from pb.extensions import db
    from pb.voting import services as voting
    from pb.voting.models import Ballot

    # (code, budget) of every ballot the server accepted, in every mode.
    accepted = [(code, budget_id) for code, budget_id, _receipt in runs.get("visit", {}).get("cast", [])]
    accepted += [(code, budget_id) for code, _seconds, _receipt, budget_id in runs.get("post", {}).get("cast", [])]
    receipts = [entry[2] for mode in runs.values() for entry in mode["cast"]]
    app = app_for(database_url, redis_url, folder)
    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == setup["round_id"]))
        per_key = db.session.execute(
            db.select(Ballot.voter_key, Ballot.round_budget_id, db.func.count(Ballot.id))
            .where(Ballot.round_id == setup["round_id"])
            .group_by(Ballot.voter_key, Ballot.round_budget_id).having(db.func.count(Ballot.id) > 1)
        ).all()
        missing_receipts = sum(1 for receipt in receipts if not receipt or voting.find_receipt(receipt) is None)
    twice_accepted = len(accepted) - len(set(accepted))
    lost = len(set(accepted)) - stored
    ok = lost == 0 and not per_key and missing_receipts == 0 and twice_accepted == 0
    return {"stored": stored, "lost": lost, "duplicated": len(per_key), "twice_accepted": twice_accepted,
            "missing_receipts": missing_receipts, "ok": ok}


def percentile(sorted_values, share):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def milliseconds(values):
    values = sorted(v * 1000 for v in values)
    return (f"p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, "
            f"p99 {percentile(values, 0.99):.0f} ms" if values else "none")


def p95_ms(seconds):
    return percentile(sorted(value * 1000 for value in seconds), 0.95)


def judged(met):
    return "met" if met else "MISSED"


def report(setup, runs, pages, check, args):
    """Prints the figures, each target with its verdict; returns the targets missed (empty: all met)."""
    verdicts = []  # (met, text)
    print(f"gunicorn {args.workers} workers x {args.worker_threads} threads; {args.threads} concurrent voters; "
          f"load average now {os.getloadavg()[0]:.1f}")
    if "visit" in runs:
        verdicts += report_visits(runs["visit"])
    if "post" in runs:
        verdicts += report_posts(runs["post"])
    for mode, run in runs.items():
        locks = run["locks"]
        print(f"\nlock waits while casting ({mode}): {locks['samples']} samples of pg_stat_activity; "
              f"a ballot waiting for the same code's other browser: {locks['same_voter']}; "
              f"waiting for another voter's ballot: {locks['other_voters']}")
        for kind, count in sorted(locks["kinds"].items(), key=lambda item: -item[1])[:5]:
            print(f"  {count:5d} x {kind}")
        verdicts.append((locks["other_voters"] == 0,
                         f"{mode}: {locks['other_voters']} samples of a ballot waiting for another voter's ballot"))
    results, static = pages["results"], pages["static"]
    results_p95 = p95_ms(results["timings"])
    print(f"\nstored {check['stored']:,}; lost {check['lost']}; duplicated {check['duplicated']}; "
          f"accepted twice {check['twice_accepted']}; receipts not found {check['missing_receipts']}"
          f"   -> integrity {'OK' if check['ok'] else 'FAILED'}")
    verdicts.append((check["ok"], "ballots lost, duplicated, accepted twice or without a receipt"))
    ratio = statistics.median(results["timings"]) / statistics.median(static["timings"])
    print(f"\nresults page, budget of {setup['results_ballots']:,} ballots ({args.page_requests} requests, "
          f"{args.threads} threads): {milliseconds(results['timings'])}, "
          f"{len(results['timings']) / results['seconds']:.0f} pages/s, failures {len(results['failures'])}"
          f"   target p95 < {TARGET_RESULTS_P95_MS} ms: {judged(results_p95 < TARGET_RESULTS_P95_MS)}")
    print(f"static file /static/css/pb.css: {milliseconds(static['timings'])}, "
          f"{len(static['timings']) / static['seconds']:.0f} requests/s")
    print(f"results page / static file, median latency: {ratio:.1f}x")
    verdicts.append((results_p95 < TARGET_RESULTS_P95_MS,
                     f"results page p95 {results_p95:.0f} ms, target < {TARGET_RESULTS_P95_MS} ms"))
    verdicts.append((not results["failures"] and not static["failures"],
                     f"page failures: results {len(results['failures'])}, static {len(static['failures'])}"))
    missed = [text for met, text in verdicts if not met]
    print("\nMISSED: " + "; ".join(missed) if missed else "\nall targets met")
    return missed


def report_visits(run):
    voters_per_second = run["done"] / run["seconds"]
    ballots = run["timed_ballots"]
    requests = sum(map(len, run["requests"].values()))
    print(f"\nwhole visits: {run['voters']:,} browsers ({run['duplicates_sent']} codes typed into two at once), "
          f"{run['done']:,} visits done in {run['seconds']:.1f} s")
    print(f"  {voters_per_second:.1f} voters/s   target >= {TARGET_VOTERS_PER_SECOND}/s: "
          f"{judged(voters_per_second >= TARGET_VOTERS_PER_SECOND)}")
    print(f"  {ballots / run['seconds']:.1f} ballots/s, {requests / run['seconds']:.0f} requests/s; "
          f"refusals shown {run['refused']}; errors {len(run['errors'])} {sorted(set(run['errors']))[:5]}")
    app_cpu, database_cpu = run["cpu"]
    print(f"  CPU: gunicorn workers {1000 * app_cpu / requests:.1f} ms per request "
          f"({1000 * app_cpu / max(run['done'], 1):.0f} ms per visit), PostgreSQL "
          f"{1000 * database_cpu / requests:.1f} ms per request ({1000 * database_cpu / max(run['done'], 1):.0f} ms per visit)")
    verdicts = [(voters_per_second >= TARGET_VOTERS_PER_SECOND,
                 f"whole visits {voters_per_second:.1f} voters/s, target >= {TARGET_VOTERS_PER_SECOND}/s"),
                (not run["errors"], f"{len(run['errors'])} visit errors {sorted(set(run['errors']))[:5]}")]
    for kind, seconds in run["requests"].items():
        p95 = p95_ms(seconds)
        print(f"  {kind:13s} x{len(seconds):6,}  {milliseconds(seconds)}   target p95 < "
              f"{TARGET_VISIT_REQUEST_P95_MS} ms: {judged(p95 < TARGET_VISIT_REQUEST_P95_MS)}")
        verdicts.append((p95 < TARGET_VISIT_REQUEST_P95_MS,
                         f"visit: {kind} p95 {p95:.0f} ms, target < {TARGET_VISIT_REQUEST_P95_MS} ms"))
    return verdicts


def report_posts(run):
    accepted = len(run["cast"])
    ballots_per_second = accepted / run["seconds"]
    seconds = [entry[1] for entry in run["cast"]]
    cast_p95 = p95_ms(seconds)
    print(f"\nballot POSTs alone: {run['voters']:,} voters opened a ballot (code page, code, ballot page) in "
          f"{run['opening_seconds']:.1f} s; casting took {run['seconds']:.1f} s")
    print(f"  ballots accepted     {accepted:,}  ({ballots_per_second:.0f} ballots/s sustained)"
          f"   target >= {TARGET_BALLOTS_PER_SECOND}/s: {judged(ballots_per_second >= TARGET_BALLOTS_PER_SECOND)}")
    print(f"  casting POST latency {milliseconds(seconds)}"
          f"   target p95 < {TARGET_CAST_P95_MS} ms: {judged(cast_p95 < TARGET_CAST_P95_MS)}")
    print(f"  same code sent twice at once: {run['duplicates_sent']} codes; refusals shown: {run['refused']}; "
          f"errors: {len(run['errors'])} {sorted(set(run['errors']))[:5]}")
    app_cpu, database_cpu = run["cpu"]
    sent = accepted + run["duplicates_sent"]
    print(f"  CPU per ballot POST: gunicorn workers {1000 * app_cpu / sent:.1f} ms, PostgreSQL {1000 * database_cpu / sent:.1f} ms")
    return [
        (ballots_per_second >= TARGET_BALLOTS_PER_SECOND,
         f"{ballots_per_second:.0f} ballots/s sustained, target >= {TARGET_BALLOTS_PER_SECOND}/s"),
        (cast_p95 < TARGET_CAST_P95_MS, f"casting POST p95 {cast_p95:.0f} ms, target < {TARGET_CAST_P95_MS} ms"),
        (not run["errors"], f"{len(run['errors'])} voter errors {sorted(set(run['errors']))[:5]}"),
    ]


if __name__ == "__main__":
    main()
