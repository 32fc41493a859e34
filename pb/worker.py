"""``pb-worker``: the job worker's own entry point, for machines that run workers only.

It builds the app once and runs the RQ worker inside its context; the forked process
that runs each job inherits that context. The worker runs RQ's scheduler too, which runs
the periodic jobs (``pb.jobs.PERIODIC_JOBS``: rounds closing on time). ``flask pb worker``
does the same where the ``flask`` command is at hand.
"""

import argparse

from pb.app import create_app
from pb.jobs import work


def main(argv=None):
    parser = argparse.ArgumentParser(prog="pb-worker", description="Run a job worker for pb, with the scheduler (needs REDIS_URL).")
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    args = parser.parse_args(argv)
    app = create_app()
    if not app.config.get("REDIS_URL"):
        parser.error("REDIS_URL is not set; without it jobs run inline and no worker is needed.")
    with app.app_context():
        work(burst=args.burst)


if __name__ == "__main__":
    main()
