"""Issue #16 item 14: round set-up refuses a project dearer than its budget, the tally page links to closing
voting, and staff read the counting rules by their plain names in their own language."""

import re

import pytest

from pb.extensions import db
from pb.voting.models import Project
from tests.factories import make_round, make_user
from tests.helpers import browser, post_form


def text(response):
    return response.get_data(as_text=True)


def error_of(page, field_id):
    match = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', page, re.DOTALL)
    return match.group(1) if match else None


@pytest.fixture
def staff():
    return make_user(staff=True, locale="en")


def project_data(budget, cost):
    return {"round_budget_id": str(budget.id), "title-fi": "Kallis hanke", "title-sv": "", "title-en": "",
            "description-fi": "", "description-sv": "", "description-en": "", "cost": cost}


def test_a_project_dearer_than_its_budget_is_refused_next_to_the_cost(app, staff):
    budget_round = make_round("cost_estimation", budget_cents=50_000_00, project_cost_cents=10_000_00)
    budget = budget_round.budgets[0]
    client = browser(app, staff)
    before = db.session.scalar(db.select(db.func.count(Project.id)))
    response = post_form(client, f"/voting/manage/{budget_round.id}/projects/new", project_data(budget, "60 000"))
    assert response.status_code == 422
    assert "more than the whole budget" in error_of(text(response), "cost")
    assert 'value="60 000"' in text(response)  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(Project.id))) == before

    project = budget.projects[0]
    edit = post_form(client, f"/voting/manage/projects/{project.id}/edit", project_data(budget, "50 000,01"))
    assert edit.status_code == 422 and "more than the whole budget" in error_of(text(edit), "cost")
    db.session.refresh(project)
    assert project.cost_cents == 10_000_00
    assert post_form(client, f"/voting/manage/projects/{project.id}/edit", project_data(budget, "50 000")).status_code == 302


def test_a_budget_cannot_shrink_below_one_of_its_projects(app, staff):
    from pb.voting import services
    from pb.voting.services import RoundRuleError

    budget_round = make_round("cost_estimation", budget_cents=50_000_00, project_cost_cents=40_000_00)
    budget = budget_round.budgets[0]
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(RoundRuleError, match="costs"):
        services.set_budget(staff, budget_round, budget.district_id, 30_000_00)
    db.session.rollback()
    db.session.refresh(budget)
    assert budget.amount_cents == 50_000_00


def test_the_tally_page_links_to_closing_voting_while_it_is_open(app, staff):
    budget_round = make_round("voting")
    page = text(browser(app, staff).get(f"/results/manage/rounds/{budget_round.id}"))
    assert f'href="/voting/manage/{budget_round.id}/close"' in page


def test_the_round_form_names_the_rules_in_the_staff_language(app):
    swedish = make_user(staff=True, locale="sv")
    page = text(browser(app, swedish).get("/voting/manage/new"))
    options = dict(re.findall(r'<option (?:selected )?value="([^"]+)">([^<]*)</option>', page))
    assert options["equalshares/add1"] == "Metoden med lika andelar (kompletterad)"
    assert options["greedy"] == "Flest röster först"
    assert "equalshares/add1:" not in page and "Method of Equal Shares" not in page
    manage = text(browser(app, swedish).get(f"/voting/manage/{make_round('voting', rule='equalshares/add1').id}"))
    assert "<dd>Metoden med lika andelar (kompletterad)" in manage
