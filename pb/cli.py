"""``flask pb ...`` commands: demo data, the RQ worker, audit-chain verification."""

import click
from flask import current_app
from flask.cli import AppGroup

pb_cli = AppGroup("pb", help="pb platform commands.")


@pb_cli.command("seed-demo")
def seed_demo_command():
    """Load demo data into an empty database (does nothing if data exists)."""
    from pb.demo import DEMO_ACCOUNTS, seed_demo

    created = seed_demo(current_app.config["DEMO_PASSWORD"])
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("The database already has data; demo data not loaded.")
    click.echo(f"Demo accounts (password: {current_app.config['DEMO_PASSWORD']}):")
    for email, description in DEMO_ACCOUNTS:
        click.echo(f"  {email:<20} {description}")


@pb_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst):
    """Run an RQ worker for the pb queue (needs REDIS_URL)."""
    from pb.jobs import work

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set; without it jobs run inline and no worker is needed.")
    work(burst=burst)


@pb_cli.command("audit-verify")
def audit_verify_command():
    """Check the audit log's hash chain; exit code 1 if any row was altered or removed."""
    from pb.audit.services import verify_chain

    checked, problems = verify_chain()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"Audit log intact: {checked} events checked.")


@pb_cli.command("send-reminders")
def send_reminders_command():
    """Mail deadline reminders (3 days and 1 day before closing) to drafts; each is sent only once."""
    from pb.proposals.services import send_reminders

    queued = send_reminders()
    click.echo(f"Deadline reminders queued: {queued}.")


@pb_cli.command("retry-mail")
def retry_mail_command():
    """Queue again every mail whose delivery failed (the jobs page shows them)."""
    from pb.mail import retry_failed
    from pb.transactions import commit

    queued = retry_failed()
    commit()
    click.echo(f"Mail queued again: {queued}.")


@pb_cli.command("import-pabulib")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--round-name", required=True, help="Name of the new round (in Finnish).")
def import_pabulib_command(path, round_name):
    """Import a pabulib .pb file as a closed round with one budget and all its ballots."""
    from pb.rules import PabulibError
    from pb.transactions import commit
    from pb.voting.services.pabulib_import import PabulibImportError, import_pabulib

    try:
        budget_round = import_pabulib(path, round_name)
    except (PabulibError, PabulibImportError) as error:
        raise click.ClickException(str(error)) from None
    commit()
    budget = budget_round.budgets[0]
    click.echo(f"Imported round {budget_round.id} with budget {budget.id}: {len(budget.projects)} projects.")


def register(app):
    app.cli.add_command(pb_cli)
