"""``flask pb ...`` commands: demo data, the RQ worker, the phase schedule, audit-log sealing and verification, pabulib import, staff accounts."""

import sys

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
    """Run an RQ worker for the pb queue, with RQ's scheduler and the periodic jobs (needs REDIS_URL)."""
    from pb.jobs import work

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set; without it jobs run inline and no worker is needed.")
    work(burst=burst)


@pb_cli.command("apply-due-phases")
def apply_due_phases_command():
    """Move rounds whose announced time has come (voting closes on time); run it every minute from cron.

    With Redis the worker does this by itself (`flask pb worker` runs RQ's scheduler); without it,
    this command is the schedule. Running it more often, late or twice at once is harmless.
    """
    from pb.voting.jobs import apply_due_phases

    moved = apply_due_phases()
    for round_id, phase in moved:
        click.echo(f"Round {round_id} moved to the phase: {phase}.")
    click.echo(f"Phase changes made: {len(moved)}.")


@pb_cli.command("audit-verify")
def audit_verify_command():
    """Check the audit log: every sealed block and event, and the events waiting to be sealed.

    Exit code 1 if any row was altered or removed, or events have waited too long to be sealed.
    """
    from pb.audit.verification import verify

    result = verify()
    click.echo(f"Events checked: {result.checked}")
    click.echo(f"Blocks: {result.blocks}")
    click.echo(f"Waiting to be sealed: {result.waiting}")
    if result.head is not None:
        click.echo(f"Newest block: {result.head[0]}, hash {result.head[1]}")
    click.echo(f"Problems: {len(result.problems)}")
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.problems:
        raise SystemExit(1)
    click.echo(f"Audit log intact: {result.checked} events checked.")


@pb_cli.command("audit-seal")
@click.option("--grace", type=float, default=None, help="Seconds an event waits before it is sealed (default 5; 0 when nothing else is writing).")
def audit_seal_command(grace):
    """Seal the audit events written since the last run in blocks; run it every minute from cron.

    With Redis the worker does this by itself; without it, this command is the schedule. Running
    it more often, late or twice at once is harmless.
    """
    from datetime import timedelta

    from pb.audit.sealing import seal_pending

    blocks, events = seal_pending(grace=None if grace is None else timedelta(seconds=grace))
    click.echo(f"Blocks sealed: {blocks} ({events} events).")


@pb_cli.command("send-reminders")
def send_reminders_command():
    """Mail the reminders that are due: applicants' drafts before a call closes (3 days and 1 day
    before; each once) and reviewers' unfinished reviews before the review deadline (once a day).

    With Redis the worker does this every hour by itself; without it, run this command from cron.
    """
    from pb.proposals.services import send_reminders
    from pb.review.jobs import queue_due_reminders

    queued = send_reminders()
    click.echo(f"Deadline reminders queued: {queued}.")
    calls = queue_due_reminders()
    click.echo(f"Calls whose reviewers are reminded today: {len(calls)}.")
    from pb.agreements.jobs import queue_due_reminders as queue_report_reminders

    click.echo(f"Report reminders queued (before and after the due dates, each once): {queue_report_reminders()}.")


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
    """Import a pabulib .pb file as a closed round with one budget and all its ballots.

    The file's dates become the round's voting dates; its META (currency ...) and project ids
    are kept with the round (see pb.voting.services.pabulib_import).
    """
    from pb.rules import PabulibError
    from pb.transactions import commit
    from pb.voting.services.pabulib_import import PabulibImportError, file_source, import_pabulib, imported_ballots

    click.echo(f"Reading {path} ...")
    bar = None

    def progress(done, total):
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Writing ballots and choices", show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        budget_round = import_pabulib(path, round_name, progress=progress)
    except (PabulibError, PabulibImportError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    commit()
    budget = budget_round.budgets[0]
    meta = file_source(budget_round)["meta"]
    click.echo(
        f"Imported round {budget_round.id} with budget {budget.id}: {len(budget.projects)} projects, "
        f"{imported_ballots(budget_round)} ballots."
    )
    click.echo(
        f"Kept from the file: currency {meta.get('currency', '-')}, dates {meta.get('date_begin', '-')} to "
        f"{meta.get('date_end', '-')}, the file's project ids."
    )


@pb_cli.command("create-staff")
@click.argument("email")
@click.option("--name", required=True, help="The name shown for the account.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_staff_command(email, name, password_stdin):
    """Create a staff account (verified, able to sign in at once); the password is asked for.

    The password must pass the same rules as on the registration form.
    """
    from email_validator import EmailNotValidError, validate_email
    from flask_babel import force_locale

    from pb.admin.services import set_role
    from pb.audit.services import record
    from pb.auth.forms import password_problem
    from pb.auth.models import User, find_by_email
    from pb.extensions import db
    from pb.models_base import utcnow
    from pb.transactions import commit

    name = name.strip()
    try:
        email = validate_email(email.strip(), check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if not name:
        raise click.BadParameter("give a name", param_hint="--name")
    if find_by_email(email) is not None:
        raise click.ClickException(
            f"{email} already has an account; an administrator can make it staff on the users page."
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with force_locale("en"):
        problem = password_problem(password, (email, name))
        if problem is not None:
            raise click.ClickException(f"The password was refused: {problem}")
    user = User(email=email, display_name=name, locale="fi", email_verified_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(None, "auth.account_created", subject=user, details={"by": "command line"})
    set_role(None, user, "staff", granted=True)
    commit()
    click.echo(f"Staff account {user.id} created for {email}.")


def register(app):
    app.cli.add_command(pb_cli)
