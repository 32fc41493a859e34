"""The raw ballots file (.pb) of a budget is public only once the budget's result is published;
until then it answers 404 to everyone but staff, and the "not published" page offers no link to it.
A budget with fewer ballots than the secrecy minimum never publishes it (only auditors get it)."""

import pytest

from pb.extensions import db
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from tests.factories import make_organisation, make_steering_group, make_user
from tests.helpers import browser, run_queued_jobs
from tests.tally.support import add_ballots, make_round


@pytest.fixture
def budget():
    budget = make_round().budgets[0]
    park, benches, library, _gym = budget.projects
    add_ballots(budget, [[park, benches], [library], [park], [park, library], [benches], [library]])
    return budget




def outsiders(app):
    steering_member = make_user(locale="en")
    make_steering_group(members=[(steering_member, "member")])
    return {
        "anonymous": browser(app),
        "resident": browser(app, make_user(locale="en")),
        "steering member": browser(app, steering_member),
        "organisation member": browser(app, make_organisation(representative=make_user(locale="en")).memberships[0].user),
    }


def count(app, budget, staff):
    services.start_tally(budget, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return db.session.execute(db.select(TallyRun).filter_by(round_budget_id=budget.id)).scalar_one()


def test_before_publication_only_staff_get_the_ballots_file(app, budget):
    staff = make_user(staff=True, locale="en")
    url = f"/results/budgets/{budget.id}/ballots.pb"
    clients = outsiders(app)

    def answers():
        return {name: client.get(url).status_code for name, client in clients.items()}

    # Voting has closed, nothing counted yet.
    assert answers() == dict.fromkeys(clients, 404)
    staff_client = browser(app, staff)
    response = staff_client.get(url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    page = browser(app).get(f"/results/budgets/{budget.id}").get_data(as_text=True)
    assert "ballots.pb" not in page
    assert "ballots.pb" in staff_client.get(f"/results/budgets/{budget.id}").get_data(as_text=True)

    # Counted, but not published.
    run = count(app, budget, staff)
    assert answers() == dict.fromkeys(clients, 404)
    assert staff_client.get(url).status_code == 200

    # Published: open data for everyone.
    services.publish_tally(run, staff)
    commit()
    run_queued_jobs(app)
    assert answers() == dict.fromkeys(clients, 200)
    assert browser(app).get(url).get_data(as_text=True) == staff_client.get(url).get_data(as_text=True)


def test_while_voting_is_open_nobody_gets_the_ballots_file(app):
    budget = make_round(voting="open").budgets[0]
    url = f"/results/budgets/{budget.id}/ballots.pb"
    assert browser(app).get(url).status_code == 404
    assert browser(app, make_user(staff=True, locale="en")).get(url).status_code == 404


def test_a_budget_with_too_few_ballots_never_publishes_its_ballots_file(app):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]], age_band="18-29")
    staff = make_user(staff=True, locale="en")
    auditor = make_user(staff=True, locale="en")
    auditor.is_auditor = True
    commit()
    url = f"/results/budgets/{budget.id}/ballots.pb"
    admin = make_user(admin=True, locale="en")
    clients = {**outsiders(app), "staff": browser(app, staff), "admin": browser(app, admin)}
    assert {name: client.get(url).status_code for name, client in clients.items()} == dict.fromkeys(clients, 404)
    auditor_client = browser(app, auditor)
    assert auditor_client.get(url).status_code == 200

    run = count(app, budget, staff)
    services.publish_tally(run, staff)
    commit()
    run_queued_jobs(app)
    assert {name: client.get(url).status_code for name, client in clients.items()} == dict.fromkeys(clients, 404)
    assert auditor_client.get(url).status_code == 200
    # An auditor who is not staff has no exception.
    outside_auditor = make_user(locale="en")
    outside_auditor.is_auditor = True
    commit()
    assert browser(app, outside_auditor).get(url).status_code == 404
