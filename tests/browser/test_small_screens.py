"""The main pages fit a 320 px wide phone screen without sideways scrolling (WCAG 1.4.10 Reflow).

axe-core scans them at that width too: wide tables scroll there, and must be usable by keyboard.
"""

import pytest

from pb.demo import seed_demo
from pb.extensions import db
from tests.browser import describe_violations, serious_violations

pytestmark = pytest.mark.browser

SCREEN_WIDTH = 320
TOLERANCE = 2

# The innermost elements that stick out past the right edge or whose text is wider than their box,
# to say what overflows when the page does.
WIDE_ELEMENTS = """limit => {
  const isWide = element => element.getBoundingClientRect().right > limit
    || (getComputedStyle(element).overflowX === "visible" && element.scrollWidth > element.clientWidth + 1);
  const wide = Array.from(document.body.querySelectorAll("*")).filter(isWide);
  return wide.filter(element => !wide.some(other => other !== element && element.contains(other)))
    .slice(0, 5)
    .map(element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
         + Array.from(element.classList, name => "." + name).join("")
         + " (" + element.textContent.trim().slice(0, 40) + ")");
}"""

# {ngo}, {district} and {steering} are ids of demo records.
PAGES = {
    None: [
        "/", "/help", "/accessibility", "/privacy", "/auth/login", "/auth/register",
        "/organisations/", "/organisations/{ngo}", "/districts/", "/districts/{district}",
    ],
    "ngo@demo.pb": [
        "/auth/account", "/auth/account/profile", "/organisations/{ngo}", "/organisations/{ngo}/members",
        "/organisations/{ngo}/edit", "/organisations/new/resident_group",
    ],
    "admin@demo.pb": [
        "/staff/", "/staff/users", "/staff/audit/", "/steering-groups/", "/steering-groups/{steering}",
        "/districts/{district}/edit",
    ],
}


def overflow(page):
    """None if the page fits the screen, else a description of what is too wide."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= SCREEN_WIDTH + TOLERANCE:
        return None
    return f"{page.url}: page is {width}px wide; wide elements: {page.evaluate(WIDE_ELEMENTS, SCREEN_WIDTH + TOLERANCE)}"


@pytest.fixture
def demo_ids(app):
    from pb.districts.models import District
    from pb.orgs.models import Organisation, OrganisationKind
    from pb.steering.models import SteeringGroup

    seed_demo(app.config["DEMO_PASSWORD"])
    ids = {
        "ngo": db.session.scalar(db.select(Organisation.id).where(Organisation.kind == OrganisationKind.NGO)),
        "district": db.session.scalar(db.select(db.func.min(District.id))),
        "steering": db.session.scalar(db.select(db.func.min(SteeringGroup.id))),
    }
    db.session.commit()  # ends the read transaction before the server process writes
    return ids


@pytest.mark.parametrize("email", PAGES, ids=[email or "anonymous" for email in PAGES])
def test_main_pages_fit_a_320px_screen(app, email, demo_ids, new_context, sign_in, live_server):
    # Finnish, the default, has the longest words; signed-in pages use each account's own language.
    page = new_context(viewport={"width": SCREEN_WIDTH, "height": 640}, locale="en-GB" if email else "fi-FI").new_page()
    if email:
        sign_in(page, email, app.config["DEMO_PASSWORD"])
    problems = []
    for path in PAGES[email]:
        response = page.goto(live_server.url(path.format(**demo_ids)))
        assert response.status == 200, f"{page.url}: status {response.status}"
        too_wide = overflow(page)
        if too_wide:
            problems.append(too_wide)
        violations = serious_violations(page)
        if violations:
            problems.append(describe_violations(f"{page.url} at {SCREEN_WIDTH}px", violations))
    assert not problems, "\n".join(problems)
