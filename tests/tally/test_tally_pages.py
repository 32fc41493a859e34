"""Result pages, open data downloads and the staff pages, through the test client with CSRF on."""

import csv
import io
import json

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.tally import services
from pb.tally.models import TallyRun
from pb.tally.services import inputs as tally_inputs
from pb.transactions import commit
from pb.voting.models import Channel
from pb.voting.services.turnout import live_turnout
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post_form, run_queued_jobs
from tests.tally.support import add_ballots, make_round, secrecy_minimum


@pytest.fixture(autouse=True)
def every_group_shown(app, monkeypatch):
    """These pages are tested with every group shown; the secrecy rule is tested in test_secrecy.py."""
    secrecy_minimum(monkeypatch, app, 1)


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff_user():
    return make_user(staff=True, locale="en")


@pytest.fixture
def budget():
    budget = make_round().budgets[0]
    park, benches, library, gym = budget.projects
    add_ballots(budget, [[park, benches], [park, gym], [park, benches, gym]], age_band="30-44")
    add_ballots(budget, [[library]], channel=Channel.ASSISTED, age_band="65+")
    return budget


def counted(app, budget, actor, publish=False):
    services.start_tally(budget, actor)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.execute(db.select(TallyRun).order_by(TallyRun.id.desc())).scalars().first()
    if publish:
        services.publish_tally(run, actor)
        commit()
        run_queued_jobs(app)
        db.session.expire_all()
    return run


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def test_published_results_page_has_reasons_chart_and_table(app, client, budget, staff_user, monkeypatch):
    run = counted(app, budget, staff_user, publish=True)
    # Served from the stored run: counting again would fail here (every count reads its ballots here).
    monkeypatch.setattr(tally_inputs, "_fetch_plain_rows", lambda *args, **kwargs: pytest.fail("recounted"))
    html = page(client, f"/results/budgets/{budget.id}")
    assert "<h1>Results: Keskusta</h1>" in html
    assert "Funded: 3 votes, place 1 in the ranking. When its turn came, €60,000.00 of €60,000.00 was left." in html
    assert "Not funded: it needed €25,000.00, but only €10,000.00 was left when its turn came" in html
    assert 'role="img"' in html and f'aria-labelledby="chart-{run.id}-title chart-{run.id}-desc"' in html
    assert ">All projects, most votes first</caption>" in html
    assert "<h2>Why each project was or was not funded</h2>" in html
    assert "Leikkipuisto" in html and "Ulkokuntosali" in html
    assert "4 ballots. 1,000 people live in the area, so 0.4 % of them voted." in html
    assert "With help from staff" in html and "65+" in html
    assert run.inputs_hash in html
    for url in ("results.json", "results.csv", "ballots.pb", "what-if"):
        assert f"/results/budgets/{budget.id}/{url}" in html
    round_html = page(client, f"/results/rounds/{budget.round_id}")
    assert "2 projects were funded." in round_html and "Leikkipuisto" in round_html
    assert f"/results/rounds/{budget.round_id}" in page(client, "/results/")


def test_unpublished_result_is_only_for_staff(app, client, budget, staff_user, login):
    run = counted(app, budget, staff_user)
    assert "not published yet" in page(client, f"/results/budgets/{budget.id}").lower() or \
        "published here after" in page(client, f"/results/budgets/{budget.id}")
    page(client, f"/results/budgets/{budget.id}/results.json", status=404)
    page(client, f"/results/budgets/{budget.id}/what-if", status=404)
    assert client.get(f"/results/manage/runs/{run.id}").status_code == 302  # to the login page
    login(make_user())
    page(client, f"/results/manage/runs/{run.id}", status=403)


def test_staff_count_preview_and_publish_through_the_pages(app, client, budget, staff_user, login):
    login(staff_user)
    manage_url = f"/results/manage/rounds/{budget.round_id}"
    html = page(client, manage_url)
    assert "Count the votes of Keskusta" in html and 'data-refresh-url="' in html and "js/turnout.js" in html
    response = post_form(client, f"/results/manage/budgets/{budget.id}/count", {}, form_url=manage_url)
    assert response.status_code == 302
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.execute(db.select(TallyRun)).scalar_one()
    fragment = page(client, f"/results/manage/rounds/{budget.round_id}/progress")
    assert "<html" not in fragment and "Done" in fragment and f"/results/manage/runs/{run.id}" in fragment

    preview = page(client, f"/results/manage/runs/{run.id}")
    assert "This result is not published. Only staff can see it." in preview and "Publish this result" in preview
    assert f'href="/results/manage/runs/{run.id}/publish"' in preview  # a link to the confirmation page
    confirmation = page(client, f"/results/manage/runs/{run.id}/publish")
    assert "cannot be undone" in confirmation and "Yes, publish the result" in confirmation
    db.session.expire_all()
    assert not run.is_published  # showing the confirmation publishes nothing
    response = post_form(client, f"/results/manage/runs/{run.id}/publish", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert run.is_published and run.published_by_id == staff_user.id
    actions = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.action.startswith("tally.")).order_by(AuditEvent.id)
    ).scalars().all()
    assert actions == ["tally.started", "tally.finished", "tally.published"]

    # Publishing again (a replayed form) is refused, and nothing changes.
    token = csrf_token(client, manage_url)
    assert client.post(f"/results/manage/runs/{run.id}/publish", data={"csrf_token": token}).status_code == 403


def test_publish_without_csrf_token_is_refused(app, client, budget, staff_user, login):
    run = counted(app, budget, staff_user)
    login(staff_user)
    assert client.post(f"/results/manage/runs/{run.id}/publish").status_code == 400
    db.session.expire_all()
    assert not run.is_published


def test_what_if_page_is_marked_not_official(app, client, budget, staff_user):
    counted(app, budget, staff_user, publish=True)
    html = page(client, f"/results/budgets/{budget.id}/what-if")
    assert "Not the official result." in html
    assert "Equal Shares" in html and "not official" in html


def test_results_json_and_csv_carry_the_inputs_hash(app, client, budget, staff_user):
    run = counted(app, budget, staff_user, publish=True)
    response = client.get(f"/results/budgets/{budget.id}/results.json")
    assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["inputs_hash"] == run.inputs_hash and document["rule"] == "greedy"
    assert document["outcome"] == run.outcome and document["ballots"] == 4
    assert [p["selected"] for p in document["projects"]].count(True) == 2
    rows = list(csv.DictReader(io.StringIO(page(client, f"/results/budgets/{budget.id}/results.csv"))))
    assert len(rows) == 4 and {row["inputs_hash"] for row in rows} == {run.inputs_hash}
    assert rows[0]["title_fi"] == "Leikkipuisto" and rows[0]["selected"] == "1" and rows[0]["cost_eur"] == "30000.00"


def test_ballots_file_only_after_voting_closed(client, budget, staff_user, login):
    page(client, f"/results/budgets/{budget.id}/ballots.pb", status=404)  # not published: staff only
    login(staff_user)
    response = client.get(f"/results/budgets/{budget.id}/ballots.pb")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    open_budget = make_round(voting="open").budgets[0]
    page(client, f"/results/budgets/{open_budget.id}/ballots.pb", status=404)


def test_live_turnout_page_and_fragment_for_staff_only(app, client, budget, staff_user, login):
    url = f"/results/manage/rounds/{budget.round_id}/turnout"
    assert client.get(url).status_code == 302
    resident = app.test_client()
    post_form(resident, "/auth/login", {"email": make_user().email, "password": PASSWORD})
    page(resident, url, status=403)
    page(resident, url + "/fragment", status=403)

    login(staff_user)
    html = page(client, url)
    assert "js/turnout.js" in html and f'data-refresh-url="{url}/fragment"' in html and 'data-refresh-seconds="30"' in html
    fragment = page(client, url + "/fragment")
    assert "<html" not in fragment
    assert "Ballots: 4. Different voters: 4." in fragment
    assert "0.4 %" in fragment  # 4 of 1,000 residents
    assert ">New voters by hour, last 24 hours</caption>" in fragment
    assert "65+" in fragment and "With help from staff" in fragment


def test_live_turnout_counts_by_area_channel_age_and_hour(budget):
    turnout = live_turnout(budget.round)
    [row] = turnout["budgets"]
    assert row["ballots"] == 4 and row["channels"] == {"online": 3, "assisted": 1, "paper": 0}
    assert row["turnout"] == 0.4
    assert turnout["by_age_band"]["30-44"] == 3 and turnout["by_age_band"]["65+"] == 1
    assert turnout["by_age_band"]["unknown"] == 0
    assert sum(hour["voters"] for hour in turnout["by_hour"]) == 4


def test_what_if_page_says_when_a_rule_cannot_count(app, client, budget, staff_user, monkeypatch):
    import pb.rules.optimal

    monkeypatch.setattr(pb.rules.optimal, "MAX_TABLE_CELLS", 1)
    counted(app, budget, staff_user, publish=True)
    html = page(client, f"/results/budgets/{budget.id}/what-if")
    assert "This way of counting cannot be used for this many projects and this budget." in html


def test_counting_pages_are_for_staff_only(app, budget, staff_user):
    resident = app.test_client()
    post_form(resident, "/auth/login", {"email": make_user().email, "password": PASSWORD})
    page(resident, f"/results/manage/rounds/{budget.round_id}", status=403)
    token = csrf_token(resident, "/")
    assert resident.post(f"/results/manage/budgets/{budget.id}/count", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(TallyRun.id))) == 0
