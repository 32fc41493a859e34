"""On a 320 px phone the sticky ballot total never covers the focused project (WCAG 2.4.11), and
"Update total" without JavaScript comes back to the total, not to the top of the page."""

import pytest

from pb.extensions import db
from tests.browser.test_proposals_drafts import check_page
from tests.browser.test_voting_journey import log_in
from tests.factories import make_round, make_voter

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 568}


@pytest.fixture
def ballot(app):
    budget_round = make_round(ballot_format="knapsack", projects=12, budget_cents=100_000_00, project_cost_cents=9_000_00)
    budget = budget_round.budgets[0]
    voter = make_voter(budget.district, locale="en")
    db.session.commit()
    return f"/voting/{budget_round.id}/ballot/{budget.id}", voter


def _open(new_context, live_server, ballot, javascript):
    url, voter = ballot
    page = new_context(viewport=PHONE, java_script_enabled=javascript).new_page()
    log_in(page, live_server, voter)  # axe needs JavaScript: the ballot page is scanned in the test with it
    page.goto(live_server.url(url))
    return page


def _covered(page):
    """How many pixels of the focused element the sticky total covers (0 when none)."""
    return page.evaluate("""() => {
      // A project's box counts with its label and description; the link to the project's page by itself.
      const active = document.activeElement;
      const focused = (active.tagName === 'A' ? null : active.closest('.field-checkbox, li')) || active;
      const a = focused.getBoundingClientRect(), b = document.getElementById('ballot-total').getBoundingClientRect();
      return Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
    }""")


def test_tabbing_through_the_projects_never_hides_the_focus(new_context, live_server, ballot):
    page = _open(new_context, live_server, ballot, javascript=True)
    check_page(page)  # fits 320 px, no axe finding of moderate impact or worse
    boxes = page.locator("input[name=project]")
    boxes.first.focus()
    # Each project has its checkbox and then the link to its page: Tab stops at both.
    for _ in range(2 * boxes.count() - 1):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('.ballot-item') !== null")
        assert _covered(page) == 0


def test_update_total_without_javascript_returns_to_the_total(new_context, live_server, ballot):
    page = _open(new_context, live_server, ballot, javascript=False)
    boxes = page.locator("input[name=project]")
    for index in (0, 5, 9):
        boxes.nth(index).check()
    page.get_by_role("button", name="Update total").click()
    assert page.url.endswith("#ballot-total")
    assert "Chosen: €27,000.00" in page.locator("#ballot-total").inner_text()
    # Scrolled down to the total (no script runs here: positions come from the browser's layout).
    assert page.get_by_role("heading", level=1).bounding_box()["y"] < 0
    total = page.locator("#ballot-total").bounding_box()
    assert 0 <= total["y"] and total["y"] + total["height"] <= PHONE["height"]
