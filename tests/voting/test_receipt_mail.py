"""A voter with an account gets the receipt code by mail too; a code voter, who has no address, does not."""

import re

from pb.extensions import db
from pb.voting import services
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser, post_form
from tests.voting.test_identity import page


def cast(client, budget_round, budget):
    url = f"/voting/{budget_round.id}/ballot/{budget.id}"
    response = post_form(client, url, {"project": str(budget.projects[0].id), "version": "", "action": "cast"})
    assert response.status_code == 302
    return page(client.get(response.headers["Location"]))


def test_account_voters_get_the_receipt_by_mail(app, outbox):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    resident = make_voter(budget.district, locale="en")
    saved = cast(browser(app, resident), budget_round, budget)
    receipt = re.search(r'class="receipt-code">([A-Z0-9-]+)<', saved).group(1)
    assert "We also sent the code to your email address" in saved
    to, subject, body = outbox.messages()[-1]
    assert to == resident.email and subject.endswith("Your ballot was saved")
    assert receipt in body and budget.district.display_name in body and "/voting/receipt" in body
    assert budget.projects[0].title["en"] not in body  # never what was chosen


def test_code_voters_get_no_mail(app, outbox):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    _batch, plain = services.create_code_batch(make_user(staff=True), budget_round, "Kirjeet", 1, budget.district_id)
    db.session.commit()
    client = browser(app)
    assert post_form(client, f"/voting/{budget_round.id}/code", {"code": plain[0]}).status_code == 302
    saved = cast(client, budget_round, budget)
    assert "Write the code down" in saved
    assert outbox.messages() == []
