"""Issue #16 item 11: after voting closes the round page says so and puts the results link at the top,
with dates in the reader's own format."""

from datetime import timedelta

from pb.models_base import utcnow
from tests.factories import make_round


def page_in(app, language, url):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client.get(url).get_data(as_text=True)


def test_a_closed_round_says_so_and_links_to_the_results_first(app):
    # 18.00 UTC two days ago (winter: 20.00 in Helsinki, UTC+2).
    closed_at = (utcnow() - timedelta(days=2)).replace(month=12, day=1, hour=18, minute=0, second=0, microsecond=0)
    if closed_at > utcnow():
        closed_at = closed_at.replace(year=closed_at.year - 1)
    budget_round = make_round("voting", voting_closes_at=closed_at, now=closed_at - timedelta(days=20))
    page = page_in(app, "en", f"/voting/{budget_round.id}")
    notice = page.index('id="voting-over"')
    results = page.index(f'href="/results/rounds/{budget_round.id}"')
    assert notice < results < page.index("<h2>")  # before the first section of the page
    year = closed_at.year
    assert f"Voting has closed. It closed on 1 December {year}, 20:00." in page
    assert page.count(f'href="/results/rounds/{budget_round.id}"') == 1
    assert "Vote now" not in page
    assert f"1.12.{year} klo 20.00" in page_in(app, "fi", f"/voting/{budget_round.id}")
    assert f"1.12.{year} kl. 20.00" in page_in(app, "sv", f"/voting/{budget_round.id}")


def test_an_open_round_has_no_closed_notice(app):
    budget_round = make_round("voting")
    page = page_in(app, "en", f"/voting/{budget_round.id}")
    assert 'id="voting-over"' not in page and "Vote now" in page
