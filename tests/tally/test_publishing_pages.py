"""Publishing asks for confirmation on a page of its own that says what will happen; one action counts all
budgets of a round and another publishes all counted ones; each refuses with a clear message."""

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import Channel
from tests.factories import make_user
from tests.helpers import browser, csrf_token, post_form, run_queued_jobs
from tests.tally.support import add_ballots, make_round


def text(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def actions(prefix="tally."):
    return db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
    ).scalars().all()


@pytest.fixture
def staff():
    return make_user(staff=True, locale="en")


@pytest.fixture
def two_districts():
    """A closed round with two budgets, each with enough ballots to publish them one by one."""
    budget_round = make_round(districts=(("Keskusta", 1_000), ("Itä", 2_000)))
    for budget in budget_round.budgets:
        park, benches = budget.projects[:2]
        add_ballots(budget, [[park], [park, benches], [benches]] * 2, age_band="30-44")
        add_ballots(budget, [[park]], age_band="65+", channel=Channel.PAPER)
    return budget_round


def count(app, budget, staff):
    services.start_tally(budget, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return db.session.execute(
        db.select(TallyRun).where(TallyRun.round_budget_id == budget.id).order_by(TallyRun.id.desc())
    ).scalars().first()


# --- one result ----------------------------------------------------------------------------


def test_the_confirmation_page_says_what_happens_and_only_its_post_publishes(app, two_districts, staff):
    budget = two_districts.budgets[0]
    run = count(app, budget, staff)
    client = browser(app, staff)
    url = f"/results/manage/runs/{run.id}/publish"
    html = text(client.get(url))
    assert "<h1>Publish the result of Keskusta?</h1>" in html
    assert "The result becomes public at once" in html and "It cannot be undone" in html
    assert "The result as JSON and CSV files" in html and "The ballots without names (pabulib file)" in html
    assert "<dd>Most votes first</dd>" in html  # the rule
    # What the secrecy rule hides: one paper ballot and one 65+ voter; the file leaves both columns out.
    assert "Ways of voting not shown as numbers: With help from staff, Paper ballot." in html
    assert "Age groups not shown as numbers:" in html and "65+" in html
    assert "Left out of the ballots file, because a group of voters would be too small: age_band, voting_method." \
        in html
    db.session.expire_all()
    assert not run.is_published and actions() == ["tally.started", "tally.finished"]

    assert client.post(url).status_code == 400  # no CSRF token
    response = post_form(client, url, {})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/results/budgets/{budget.id}")
    db.session.expire_all()
    assert run.is_published and run.published_by_id == staff.id
    assert actions() == ["tally.started", "tally.finished", "tally.published"]
    # Once published, the confirmation page sends back to the result.
    assert client.get(url).status_code == 302


def test_others_cannot_see_or_use_the_confirmation(app, two_districts, staff):
    run = count(app, two_districts.budgets[0], staff)
    url = f"/results/manage/runs/{run.id}/publish"
    assert browser(app).get(url).status_code == 302  # to the login page
    resident = browser(app, make_user(locale="en"))
    assert resident.get(url).status_code == 403
    assert resident.post(url, data={"csrf_token": csrf_token(resident, "/")}).status_code == 403
    db.session.expire_all()
    assert not run.is_published


def test_a_count_of_ballots_that_changed_since_is_not_published(app, two_districts, staff):
    budget = two_districts.budgets[0]
    run = count(app, budget, staff)
    client = browser(app, staff)
    url = f"/results/manage/runs/{run.id}/publish"
    token = csrf_token(client, url)
    add_ballots(budget, [[budget.projects[3]]])  # a late paper ballot, say
    html = text(client.get(url))
    assert "This result cannot be published:" in html and "Count the votes again" in html
    assert "Yes, publish the result" not in html
    html = text(client.post(url, data={"csrf_token": token}), status=409)
    assert "The ballots or the counting rule changed after this count" in html
    db.session.expire_all()
    assert not run.is_published and "tally.published" not in actions()


def test_a_small_budget_is_published_without_its_ballots(app, staff):
    budget = make_round().budgets[0]
    add_ballots(budget, [[budget.projects[0]]] * 2)
    run = count(app, budget, staff)
    html = text(browser(app, staff).get(f"/results/manage/runs/{run.id}/publish"))
    assert "The ballots are not published one by one because there are fewer than 5 of them" in html
    assert "The ballots without names (pabulib file)" not in html


# --- all budgets of a round ----------------------------------------------------------------


def test_count_all_starts_every_budget_that_can_start(app, two_districts, staff):
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/count-all"
    assert f'href="{url}"' in text(client.get(f"/results/manage/rounds/{two_districts.id}"))
    html = text(client.get(url))
    assert html.count("Its votes will be counted.") == 2 and "Yes, count these budgets" in html
    assert actions() == []  # the page alone starts nothing
    response = post_form(client, url, {})
    assert response.status_code == 302
    run_queued_jobs(app)
    db.session.expire_all()
    counted = {run.round_budget_id for run in db.session.execute(db.select(TallyRun)).scalars()}
    assert counted == {budget.id for budget in two_districts.budgets}
    assert actions().count("tally.started") == 2

    # Counted already: the page says so, and pressing again starts nothing.
    html = text(client.get(url))
    assert html.count("These ballots are already counted.") == 2 and "Yes, count these budgets" not in html
    html = text(client.post(url, data={"csrf_token": csrf_token(client, url)}), status=409)
    assert "No count was started" in html
    assert actions().count("tally.started") == 2


def test_count_all_is_refused_while_voting_is_open(app, staff):
    budget_round = make_round(voting="open")
    client = browser(app, staff)
    url = f"/results/manage/rounds/{budget_round.id}/count-all"
    html = text(client.get(url))
    assert "Will not be counted: Counting can start only after voting has closed." in html
    html = text(client.post(url, data={"csrf_token": csrf_token(client, url)}), status=409)
    assert "No count was started" in html and actions() == []


def test_count_all_leaves_out_a_published_budget(app, two_districts, staff):
    first, second = two_districts.budgets
    services.publish_tally(count(app, first, staff), staff)
    commit()
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/count-all"
    html = text(client.get(url))
    assert "Will not be counted: Its result is already published." in html and html.count("Its votes will be counted.") == 1
    post_form(client, url, {})
    run_queued_jobs(app)
    db.session.expire_all()
    assert len(services.runs_of(first.id)) == 1 and len(services.runs_of(second.id)) == 1


def test_publish_all_lists_each_budget_with_its_run_and_rule_then_publishes_them(app, two_districts, staff):
    first, second = two_districts.budgets
    run_first, run_second = count(app, first, staff), count(app, second, staff)
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/publish-all"
    html = text(client.get(url))
    for run in (run_first, run_second):
        assert f'href="/results/manage/runs/{run.id}"' in html
    assert html.count("<td>Most votes first</td>") == 2  # each run's rule
    assert "cannot be undone" in html and "Yes, publish these results" in html
    assert actions().count("tally.published") == 0

    response = post_form(client, url, {"plan": f"{first.id}:{run_first.id},{second.id}:{run_second.id}"})
    assert response.status_code == 302
    db.session.expire_all()
    assert run_first.is_published and run_second.is_published
    assert actions().count("tally.published") == 2
    html = text(client.get(url))
    assert html.count("Will not be published: Its result is already published.") == 2 and "Yes, publish" not in html


def test_publish_all_leaves_out_what_cannot_be_published_and_says_why(app, two_districts, staff):
    first, second = two_districts.budgets
    run_first = count(app, first, staff)
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/publish-all"
    html = text(client.get(url))
    assert "Will not be published: The votes are not counted yet." in html
    count(app, second, staff)
    add_ballots(second, [[second.projects[0]]])
    html = text(client.get(url))
    assert "Will not be published: The ballots changed after the last count. Count the votes again first." in html
    post_form(client, url, {"plan": f"{first.id}:{run_first.id}"})
    db.session.expire_all()
    assert services.published_run(first.id).id == run_first.id and services.published_run(second.id) is None


def test_publish_all_refuses_when_the_counts_changed_after_the_page_was_shown(app, two_districts, staff):
    first, second = two_districts.budgets
    run_first = count(app, first, staff)
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/publish-all"
    token = csrf_token(client, url)
    shown_plan = f"{first.id}:{run_first.id}"
    count(app, second, staff)  # finished meanwhile: not seen on the page
    html = text(client.post(url, data={"csrf_token": token, "plan": shown_plan}), status=409)
    assert "the counts changed after this page was shown" in html
    db.session.expire_all()
    assert services.published_run(first.id) is None and "tally.published" not in actions()


def test_publish_all_with_nothing_to_publish_is_refused(app, two_districts, staff):
    client = browser(app, staff)
    url = f"/results/manage/rounds/{two_districts.id}/publish-all"
    assert "Yes, publish these results" not in text(client.get(url))
    html = text(client.post(url, data={"csrf_token": csrf_token(client, url), "plan": ""}), status=409)
    assert "Nothing was published" in html


def test_round_actions_are_for_staff_only(app, two_districts):
    resident = browser(app, make_user(locale="en"))
    token = csrf_token(resident, "/")
    for action in ("count-all", "publish-all"):
        url = f"/results/manage/rounds/{two_districts.id}/{action}"
        assert resident.get(url).status_code == 403
        assert resident.post(url, data={"csrf_token": token}).status_code == 403
    assert actions() == []


def test_round_actions_need_the_form_token(app, two_districts, staff):
    first = two_districts.budgets[0]
    run = count(app, first, staff)
    client = browser(app, staff)
    for action in ("count-all", "publish-all"):
        url = f"/results/manage/rounds/{two_districts.id}/{action}"
        assert client.post(url, data={"plan": f"{first.id}:{run.id}"}).status_code == 400
    db.session.expire_all()
    assert services.published_run(first.id) is None and actions().count("tally.started") == 1
