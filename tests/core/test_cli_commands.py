"""``flask pb create-staff`` and ``flask pb import-pabulib``."""

from datetime import UTC, date, datetime

import pytest

from pb.audit.models import AuditEvent
from pb.auth.models import User, find_by_email
from pb.extensions import db
from pb.voting.models import Ballot, BudgetRound, Project
from pb.voting.services import pabulib_import

STRONG = "kolme iloista kissaa"

PABULIB = """META
key;value
description;Chwarzno-Wiczlino
country;Poland
unit;Gdynia
instance;2023
subunit;Chwarzno-Wiczlino
num_projects;3
num_votes;4
budget;1000.50
currency;PLN
vote_type;approval
rule;greedy
date_begin;07.09.2023
date_end;21.09.2023
PROJECTS
project_id;cost;name
P-17;500.25;Skatepark
P-4;400;Ławki
P-9;300;Drzewa
VOTES
voter_id;vote
v1;P-17,P-4
v2;P-4
v3;P-9,P-17
v4;P-17
"""


def run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=["pb", *args], input=input)
    db.session.expire_all()
    return result


def actions():
    return db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


# --- create-staff -------------------------------------------------------------------------------


def test_create_staff_with_the_password_on_stdin(app, client, login):
    result = run(app, "create-staff", "Maija@Example.test", "--name", "Maija Meikäläinen", "--password-stdin",
                 input=STRONG + "\n")
    assert result.exit_code == 0, result.output
    user = find_by_email("maija@example.test")
    assert user.is_staff and user.is_verified and not user.is_admin and user.check_password(STRONG)
    assert user.display_name == "Maija Meikäläinen"
    assert f"Staff account {user.id} created" in result.output
    assert actions() == ["auth.account_created", "admin.role_granted"]
    login(user, STRONG)  # signs in at once, no mail to confirm first
    assert client.get("/staff/").status_code == 200


def test_create_staff_asks_for_the_password_twice(app):
    result = run(app, "create-staff", "pekka@example.test", "--name", "Pekka", input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert find_by_email("pekka@example.test").is_staff


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("salasana123", "This password is too common"),
        ("liisa@example.test", "Do not use your email address or your name"),
    ],
)
def test_create_staff_refuses_a_weak_password_with_the_registration_rules(app, password, message):
    result = run(app, "create-staff", "liisa@example.test", "--name", "Liisa", "--password-stdin", input=password)
    assert result.exit_code != 0
    assert message in result.output
    assert find_by_email("liisa@example.test") is None and actions() == []


def test_create_staff_refuses_an_address_that_has_an_account_or_is_not_one(app):
    assert run(app, "create-staff", "pekka@example.test", "--name", "P", "--password-stdin", input=STRONG).exit_code == 0
    again = run(app, "create-staff", "PEKKA@example.test", "--name", "P", "--password-stdin", input=STRONG)
    assert again.exit_code != 0 and "already has an account" in again.output
    bad = run(app, "create-staff", "not-an-address", "--name", "P", "--password-stdin", input=STRONG)
    assert bad.exit_code != 0 and "EMAIL" in bad.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


# --- import-pabulib -----------------------------------------------------------------------------


def test_import_keeps_currency_dates_and_project_ids_and_reports_ballots_and_progress(app, tmp_path, monkeypatch):
    monkeypatch.setattr(pabulib_import, "IMPORT_CHUNK", 2)
    path = tmp_path / "Poland_Gdynia_2023.pb"
    path.write_text(PABULIB, encoding="utf-8")
    reports = []
    original = pabulib_import.import_pabulib

    def spy(*args, progress=None, **kwargs):
        def both(done, total):
            reports.append((done, total))
            progress(done, total)

        return original(*args, progress=both, **kwargs)

    monkeypatch.setattr(pabulib_import, "import_pabulib", spy)
    result = run(app, "import-pabulib", str(path), "--round-name", "Gdynia 2023")
    assert result.exit_code == 0, result.output
    assert "Writing ballots and choices" in result.output
    assert "3 projects, 4 ballots." in result.output
    assert "currency PLN, dates 07.09.2023 to 21.09.2023" in result.output
    # 4 ballots and 6 choices, two rows a chunk: a report after each chunk, the last at the total.
    assert reports == [(2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]

    budget_round = db.session.execute(db.select(BudgetRound)).scalar_one()
    assert budget_round.voting_start == date(2023, 9, 7)
    # Voting closed at midnight after the last day, Finnish time (UTC+3 in September).
    assert budget_round.voting_closes_at == datetime(2023, 9, 21, 21, 0, tzinfo=UTC)
    source = pabulib_import.file_source(budget_round)
    assert source["file"] == "Poland_Gdynia_2023.pb" and source["ballots"] == 4
    assert source["meta"]["currency"] == "PLN" and source["meta"]["date_end"] == "21.09.2023"
    projects = db.session.execute(db.select(Project).order_by(Project.position)).scalars().all()
    assert [source["project_ids"][str(project.id)] for project in projects] == ["P-17", "P-4", "P-9"]
    assert [project.cost_cents for project in projects] == [500_25, 400_00, 300_00]
    assert budget_round.budgets[0].amount_cents == 1000_50
    assert db.session.scalar(db.select(db.func.count(Ballot.id))) == 4
    assert budget_round.display_name == "Gdynia 2023"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from pb.i18n import localized

        assert localized(budget_round.description) == "Chwarzno-Wiczlino"  # the page shows the text only

    [event] = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "voting.round_imported")).scalars()
    assert event.details["meta"]["currency"] == "PLN" and event.details["project_ids"] == source["project_ids"]

    # The open data of the round says the file's currency, and editing the round's texts keeps the file's META.
    from pb.tally.services import pabulib_meta
    from pb.voting import services as voting

    assert pabulib_meta(budget_round.budgets[0])["currency"] == "PLN"
    voting.update_round(None, budget_round, {"description": {"fi": "Uusi kuvaus", "en": "New text"}})
    assert pabulib_import.file_source(budget_round) == source
    assert budget_round.description["fi"] == "Uusi kuvaus"


def test_a_file_whose_voting_ends_in_the_future_is_imported_closed(app, tmp_path):
    path = tmp_path / "future.pb"
    path.write_text(PABULIB.replace("21.09.2023", "21.09.2999").replace("07.09.2023", "2999"), encoding="utf-8")
    result = run(app, "import-pabulib", str(path), "--round-name", "Tulevaisuus")
    assert result.exit_code == 0, result.output
    budget_round = db.session.execute(db.select(BudgetRound)).scalar_one()
    assert budget_round.is_voting_over() and budget_round.voting_start is None


# --- apply-due-phases ---------------------------------------------------------------------------


def test_apply_due_phases_closes_voting_at_its_time_and_says_what_it_did(app):
    from datetime import timedelta

    import time_machine

    from pb.voting.models import RoundPhase
    from tests.factories import make_round

    closes = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    budget_round = make_round("voting", now=closes - timedelta(days=7), voting_closes_at=closes)
    with time_machine.travel(closes - timedelta(seconds=1), tick=False):
        result = run(app, "apply-due-phases")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Phase changes made: 0."
    assert db.session.get(BudgetRound, budget_round.id).phase is RoundPhase.VOTING
    with time_machine.travel(closes, tick=False):
        result = run(app, "apply-due-phases")
    assert result.exit_code == 0, result.output
    assert f"Round {budget_round.id} moved to the phase: results." in result.output
    assert db.session.get(BudgetRound, budget_round.id).phase is RoundPhase.RESULTS
    assert actions()[-1] == "voting.phase_changed"
