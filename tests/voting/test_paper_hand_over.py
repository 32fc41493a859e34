"""Issue #16 item 13: the third look explained, handing a paper ballot to a named colleague, and errors next
to their fields on the paper and assisted-vote forms."""

import re

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.voting import services
from pb.voting.models import PaperBallot, PaperStatus
from tests.factories import make_round, make_user
from tests.helpers import browser, post_form


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def setting():
    budget_round = make_round(ballot_format="knapsack", projects=3, budget_cents=100_000_00, project_cost_cents=40_000_00)
    budget = budget_round.budgets[0]
    staff = [make_user(staff=True, locale="en", name=f"Staff {n}") for n in (1, 2, 3)]
    _batch, plain = services.create_code_batch(staff[0], budget_round, "Pop-up", 4, budget.district_id)
    db.session.commit()
    return budget_round, budget, staff, plain


def enter(client, budget, batch, row, code, project_ids, **extra):
    url = f"/voting/manage/{budget.round_id}/paper/{budget.id}"
    return post_form(client, url, {"batch": batch, "row": str(row), "code": code,
                                   "project": [str(pid) for pid in project_ids], **extra})


def error_of(page, field_id):
    """The error message shown right next to the field (the macros' ``<id>-error`` paragraph)."""
    match = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', page, re.DOTALL)
    return match.group(1) if match else None


def mismatch(app, setting):
    _round, budget, staff, plain = setting
    first, second = browser(app, staff[0]), browser(app, staff[1])
    a, _b, c = (project.id for project in budget.projects)
    enter(first, budget, "B1", 1, plain[0], [a])
    enter(second, budget, "B1", 1, plain[0], [c])
    sheet = db.session.execute(db.select(PaperBallot)).scalar_one()
    assert sheet.status is PaperStatus.MISMATCH
    return sheet, first, second


def test_the_paper_page_explains_the_third_look(app, setting):
    budget_round, budget, staff, _plain = setting
    sheet, first, _second = mismatch(app, setting)
    page = text(first.get(f"/voting/manage/{budget_round.id}/paper"))
    assert "<h2>The third look</h2>" in page
    assert "Any staff member who has not entered the ballot yet may make the third look" in page
    # Someone who entered it already is told so on the entry page, with the way out.
    entry_url = f"/voting/manage/{budget_round.id}/paper/{budget.id}?batch=B1&row=1"
    own = text(first.get(entry_url))
    assert "You have already entered this ballot, so you cannot make the third look." in own
    assert f'#sheet-{sheet.id}">Hand this ballot to a colleague</a>' in own
    fresh = text(browser(app, staff[2]).get(entry_url))
    assert "This is the third look" in fresh and "Your entry decides what is counted." in fresh


def test_a_coordinator_alone_hands_the_third_look_to_a_named_colleague(app, setting, outbox):
    budget_round, budget, staff, plain = setting
    sheet, first, _second = mismatch(app, setting)
    paper_url = f"/voting/manage/{budget_round.id}/paper"
    page = text(first.get(paper_url))
    # Only a colleague who has not entered the ballot can be chosen.
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', page)
    assert options == [(str(staff[2].id), "Staff 3")]

    response = post_form(first, paper_url, {"sheet_id": str(sheet.id), "colleague_id": str(staff[2].id)})
    assert response.status_code == 302
    assert "handed to Staff 3" in text(first.get(paper_url))
    assert "Handed to Staff 3" in text(first.get(paper_url))
    to, subject, body = outbox.messages()[-1]
    assert to == staff[2].email and "B1 / 1" in subject
    assert f"/voting/manage/{budget_round.id}/paper/{budget.id}?batch=B1&amp;row=1" not in body
    assert f"/voting/manage/{budget_round.id}/paper/{budget.id}?batch=B1&row=1" in body
    event = db.session.execute(db.select(AuditEvent).filter_by(action="voting.paper_handed_over")).scalar_one()
    assert event.details["to_user_id"] == staff[2].id and event.actor_id == staff[0].id

    # The colleague's entry settles it.
    assert enter(browser(app, staff[2]), budget, "B1", 1, plain[0], [budget.projects[2].id]).status_code == 302
    assert sheet.status is PaperStatus.COUNTED


def test_handing_to_someone_who_entered_it_is_refused_next_to_the_choice(app, setting):
    budget_round, _budget, staff, _plain = setting
    sheet, first, _second = mismatch(app, setting)
    paper_url = f"/voting/manage/{budget_round.id}/paper"
    response = post_form(first, paper_url, {"sheet_id": str(sheet.id), "colleague_id": str(staff[1].id)})
    assert response.status_code == 422
    assert "Choose a colleague on staff who has not entered this ballot yet." in error_of(
        text(response), f"colleague-{sheet.id}"
    )
    assert db.session.execute(db.select(AuditEvent).filter_by(action="voting.paper_handed_over")).first() is None


def test_paper_form_errors_sit_next_to_their_fields(app, setting):
    budget_round, budget, staff, plain = setting
    first = browser(app, staff[0])
    a = budget.projects[0].id
    assert enter(first, budget, "B2", 1, plain[1], [a]).status_code == 302
    again = enter(first, budget, "B2", 1, plain[1], [a])
    assert again.status_code == 422
    assert "The next entry must be made by another person" in error_of(text(again), "row")
    assert error_of(text(again), "code") is None
    short = enter(first, budget, "B2", 2, "ABC", [a])
    assert "Type the voting code printed on the ballot" in error_of(text(short), "code")
    elsewhere = budget_round.budgets[1].projects[0].id
    other_budget = enter(first, budget, "B2", 3, plain[2], [elsewhere])
    assert other_budget.status_code == 422
    assert error_of(text(other_budget), "ballot-projects") is not None
    assert error_of(text(other_budget), "code") is None


def test_assisted_form_errors_sit_next_to_their_fields(app, setting):
    budget_round, budget, staff, _plain = setting
    client = browser(app, staff[0])
    url = f"/voting/manage/{budget_round.id}/assisted"
    data = {"location": "Library", "identified_by": "account", "email": "nobody@example.org", "birth_year": "1950",
            "district_id": str(budget.district_id), "age_checked": "y", "residence_checked": "y"}
    response = post_form(client, url, data)
    assert response.status_code == 422
    assert "No account has this email address." in error_of(text(response), "email")
    assert error_of(text(response), "identified_by") is None
    unknown = post_form(client, url, {**data, "identified_by": "code", "code": "AAAA-BBBB-CCCC"})
    assert error_of(text(unknown), "code") is not None
    assert error_of(text(unknown), "identified_by") is None
