"""Voting under load on the production stack: gunicorn + PostgreSQL + Redis, loopback only (not a test).

What it does, and stops by itself (bounded by the number of codes):
1. a scratch PostgreSQL database on the local server (created here, dropped at the end) and
   a private Redis on a free loopback port (started here, stopped at the end);
2. a round open for voting with 3 districts, 8 projects each, approval ballots (choose up to
   3), and one-time voting codes; and a closed round imported from a large pabulib file
   (default Wrocław 2015, 131,778 ballots), counted and published, for the results page;
3. gunicorn on 127.0.0.1 serving wsgi:app (rate limits off: every client is 127.0.0.1);
4. threads (plain http.client, one cookie jar per voter) act as code voters do in a browser:
   first every voter opens a ballot (GET the code page, POST the code, GET the ballot form);
   then, timed on their own, all voters send their ballots (POST, the figure "ballots/s") and
   read their receipts. A few codes are typed into two browsers whose ballots go at the same
   moment, which must give one ballot;
5. threads read the results page of the 131,778-ballot budget and a static file;
6. checks: every accepted ballot is in the database once, its receipt finds it, no code has
   two ballots, nothing else was stored; prints the figures and judges them against the targets
   (200 ballots/s, casting p95 < 300 ms, results page p95 < 100 ms, no errors): a target missed
   prints "MISSED: ..." and the run exits 1.

    python benchmarks/voting_load.py [--threads 16] [--codes 6000]
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
# The targets the run is judged by: one missed prints "MISSED: ..." and the run exits 1.
TARGET_BALLOTS_PER_SECOND = 200
TARGET_CAST_P95_MS = 300
TARGET_RESULTS_P95_MS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--codes", type=int, default=6000, help="voting codes (voters)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--page-requests", type=int, default=2000, help="results page requests (and as many static)")
    parser.add_argument("--results-file", default="Poland_Wroclaw_2015_150_-_500.pb")
    args = parser.parse_args()
    print("reproduce:", shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for tool in ("gunicorn", "redis-server"):
        if not (shutil.which(tool) or (Path(sys.executable).parent / tool).exists()):
            sys.exit(f"{tool} is not installed")

    from tally_job import scratch_database

    # The pages in Finnish, as residents get them (as ``make run`` does): compiled catalogues.
    catalogues = str(REPO / "pb" / "translations")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d", catalogues], check=True)

    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with tempfile.TemporaryDirectory(prefix="pb-load-") as folder, scratch_database(folder) as database_url:
        redis = start_redis(folder)
        try:
            env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis.url, SECRET_KEY=SECRET,
                       PB_INSTANCE_PATH=folder, PB_RATELIMIT_ENABLED="0", SESSION_COOKIE_SECURE="0",
                       PB_RQ_QUEUE="pb-load")
            os.environ.update(PB_INSTANCE_PATH=folder)
            setup = prepare(database_url, redis.url, folder, args)
            server = start_gunicorn(env, args.workers, args.worker_threads)
            try:
                cast = cast_ballots(server.port, setup, args)
                pages = read_pages(server.port, setup, args)
            finally:
                server.stop()
            check = verify(database_url, redis.url, folder, setup, cast)
        finally:
            redis.stop()
    missed = report(setup, cast, pages, check, args)
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


def prepare(database_url, redis_url, folder, args):
    """Schema, an open round with codes, and a counted and published 100,000+ ballot round."""
    from pb.auth.models import User
    from pb.districts.models import District
    from pb.extensions import db
    from pb.models_base import utcnow
    from pb.tally import services as tally
    from pb.transactions import commit
    from pb.voting import services as voting
    from pb.voting.codes import new_key_salt
    from pb.voting.models import BallotFormat, BudgetRound, Project, RoundBudget, RoundPhase

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
            rule="greedy", key_salt=new_key_salt(),
        )
        for district in districts:
            budget = RoundBudget(round=budget_round, district=district, amount_cents=100_000_00)
            for position in range(8):
                budget.projects.append(Project(title={"fi": f"Hanke {position + 1}"}, description={},
                                               cost_cents=(10 + 5 * position) * 1000_00, position=position))
            db.session.add(budget)
        db.session.flush()
        codes = []
        per_district = -(-args.codes // len(districts))
        for district in districts:
            made = 0
            while made < per_district:
                size = min(voting.MAX_CODES_PER_BATCH, per_district - made)
                _batch, plain = voting.create_code_batch(staff, budget_round, f"load {district.id}", size, district.id)
                budget_id = budget_round.budget_for(district.id).id
                codes.extend((code, budget_id) for code in plain)
                made += size
        projects = {budget.id: [project.id for project in budget.projects] for budget in budget_round.budgets}
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
        print(f"setup: {len(codes):,} codes; imported and counted {run.ballot_count:,} ballots of {path.name} "
              f"in {time.perf_counter() - started:.1f} s\n")
        return {"round_id": round_id, "codes": codes, "projects": projects, "results_budget": results_budget.id,
                "results_ballots": run.ballot_count}


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


def cast_ballots(port, setup, args):
    """Voters open their ballots, then send them all as fast as the server takes them.

    The two phases are timed apart: casting (the POST that stores a ballot) is what the
    ballots/s figure measures; opening a ballot (three requests per voter) is reported too.
    A share of the codes is typed into two browsers, whose two ballots are sent at the same moment.
    """
    rng = random.Random(7)
    codes = list(setup["codes"])
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
    casting_seconds = run_threads(args.threads, work, send)
    accepted = [voter for voter in ready if voter.outcome == "cast"]
    run_threads(args.threads, accepted, Voter.read_receipt)
    return {
        "cast": [(voter.code, voter.seconds, voter.receipt) for voter in accepted],
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


def verify(database_url, redis_url, folder, setup, cast):
    """Every accepted ballot stored once and findable by its receipt; nothing else stored."""
    from pb.extensions import db
    from pb.voting import services as voting
    from pb.voting.models import Ballot

    app = app_for(database_url, redis_url, folder)
    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == setup["round_id"]))
        per_key = db.session.execute(
            db.select(Ballot.voter_key, db.func.count(Ballot.id)).where(Ballot.round_id == setup["round_id"])
            .group_by(Ballot.voter_key).having(db.func.count(Ballot.id) > 1)
        ).all()
        accepted_codes = [code for code, _seconds, _receipt in cast["cast"]]
        receipts = [receipt for _code, _seconds, receipt in cast["cast"]]
        missing_receipts = sum(1 for receipt in receipts if not receipt or voting.find_receipt(receipt) is None)
    twice_accepted = len(accepted_codes) - len(set(accepted_codes))
    lost = len(set(accepted_codes)) - stored
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


def report(setup, cast, pages, check, args):
    """Prints the figures, each target with its verdict; returns the targets missed (empty: all met)."""
    accepted = len(cast["cast"])
    results, static = pages["results"], pages["static"]
    ballots_per_second = accepted / cast["seconds"]
    cast_p95, results_p95 = p95_ms([s for _c, s, _r in cast["cast"]]), p95_ms(results["timings"])
    missed = [text for met, text in (
        (ballots_per_second >= TARGET_BALLOTS_PER_SECOND,
         f"{ballots_per_second:.0f} ballots/s sustained, target >= {TARGET_BALLOTS_PER_SECOND}/s"),
        (cast_p95 < TARGET_CAST_P95_MS, f"casting POST p95 {cast_p95:.0f} ms, target < {TARGET_CAST_P95_MS} ms"),
        (results_p95 < TARGET_RESULTS_P95_MS,
         f"results page p95 {results_p95:.0f} ms, target < {TARGET_RESULTS_P95_MS} ms"),
        (not cast["errors"], f"{len(cast['errors'])} voter errors {sorted(set(cast['errors']))[:5]}"),
        (not results["failures"] and not static["failures"],
         f"page failures: results {len(results['failures'])}, static {len(static['failures'])}"),
        (check["ok"], "ballots lost, duplicated, accepted twice or without a receipt"),
    ) if not met]
    print(f"gunicorn {args.workers} workers x {args.worker_threads} threads; {args.threads} client threads")
    print(f"opening ballots: {cast['voters']:,} voters (code page, code, ballot page: 3 requests each) in "
          f"{cast['opening_seconds']:.1f} s = {cast['voters'] / cast['opening_seconds']:.0f} voters/s, "
          f"{3 * cast['voters'] / cast['opening_seconds']:.0f} requests/s")
    print(f"casting: {cast['seconds']:.1f} s")
    print(f"  ballots accepted     {accepted:,}  ({ballots_per_second:.0f} ballots/s sustained)"
          f"   target >= {TARGET_BALLOTS_PER_SECOND}/s: "
          f"{judged(ballots_per_second >= TARGET_BALLOTS_PER_SECOND)}")
    print(f"  casting POST latency {milliseconds([s for _c, s, _r in cast['cast']])}"
          f"   target p95 < {TARGET_CAST_P95_MS} ms: {judged(cast_p95 < TARGET_CAST_P95_MS)}")
    print(f"  same code sent twice at once: {cast['duplicates_sent']} codes; refusals shown: {cast['refused']}; "
          f"errors: {len(cast['errors'])} {sorted(set(cast['errors']))[:5]}")
    print(f"  stored {check['stored']:,}; lost {check['lost']}; duplicated {check['duplicated']}; "
          f"code accepted twice {check['twice_accepted']}; receipts not found {check['missing_receipts']}"
          f"   -> integrity {'OK' if check['ok'] else 'FAILED'}")
    ratio = statistics.median(results["timings"]) / statistics.median(static["timings"])
    print(f"\nresults page, budget of {setup['results_ballots']:,} ballots ({args.page_requests} requests, "
          f"{args.threads} threads): {milliseconds(results['timings'])}, "
          f"{len(results['timings']) / results['seconds']:.0f} pages/s, failures {len(results['failures'])}"
          f"   target p95 < {TARGET_RESULTS_P95_MS} ms: {judged(results_p95 < TARGET_RESULTS_P95_MS)}")
    print(f"static file /static/css/pb.css: {milliseconds(static['timings'])}, "
          f"{len(static['timings']) / static['seconds']:.0f} requests/s")
    print(f"results page / static file, median latency: {ratio:.1f}x")
    print("\nMISSED: " + "; ".join(missed) if missed else "\nall targets met")
    return missed


if __name__ == "__main__":
    main()
