"""Every page a visitor can reach by following links, anonymously and as each demo account.

The crawl itself uses the Flask test client (fast): every reachable page must answer (no 4xx or
5xx after redirects), and every HTML page must declare its language, have its own title and one
<h1>. The browser then opens one page per URL pattern (numeric ids replaced) and runs axe-core:
no finding of moderate impact or worse (unique landmark names, among others).
"""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import pytest

from pb.demo import DEMO_ACCOUNTS, seed_demo
from tests.browser import describe_violations, moderate_violations
from tests.helpers import post_form

pytestmark = pytest.mark.browser

# A guard against endless link loops, not a budget: the crawl grows with the kinds of page (VISITS_PER_PATTERN).
PAGE_LIMIT = 400
# A few pages of each kind are enough (/staff/users/1, /staff/users/2, /organisations/?page=2 ...),
# so the crawl grows with the number of page kinds, not with the demo data.
VISITS_PER_PATTERN = 3
SKIPPED_PATHS = ("/auth/logout", "/static/")
ACCOUNTS = [None] + [email for email, _ in DEMO_ACCOUNTS]


class PageParser(HTMLParser):
    """The bits of a page the crawl checks: <html lang>, <title>, <h1> count and link targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title = ""
        self.h1_count = 0
        self.links = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def crawl_key(url):
    """Pages that differ only in query values (page=2, next=...) are the same page for the crawl."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def url_pattern(url):
    """The kind of page: its path with numeric ids replaced (/organisations/<id>/members)."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(url).path)


def same_site_target(base, href):
    """The local path (with query) a link points to, or None for other sites, mail links and skipped paths."""
    target, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
        return None
    if parts.path.startswith(SKIPPED_PATHS):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def crawl(client, start="/"):
    """Breadth-first GET of every same-site link. Returns ({final url: status} of HTML pages, problems)."""
    queue = deque([start])
    seen = {crawl_key(start)}
    queued_per_pattern = Counter([url_pattern(start)])
    pages = {}
    problems = []
    while queue:
        if len(pages) >= PAGE_LIMIT:
            problems.append(f"the crawl stopped after {PAGE_LIMIT} pages; not visited: {sorted(queue)}")
            break
        url = queue.popleft()
        response = client.get(url, follow_redirects=True)
        final = response.request.path + ("?" + response.request.query_string.decode() if response.request.query_string else "")
        via = f"{url} -> {final}" if final != url else url
        if response.status_code != 200:
            problems.append(f"{via}: status {response.status_code}")
        if response.mimetype != "text/html":
            continue
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        pages.setdefault(final, response.status_code)
        if not parser.lang:
            problems.append(f"{via}: <html> has no lang")
        if not parser.title.split(" – ")[0].strip():
            problems.append(f"{via}: the page sets no title of its own ({parser.title.strip()!r})")
        if parser.h1_count != 1:
            problems.append(f"{via}: {parser.h1_count} <h1> elements, expected exactly one")
        for href in parser.links:
            target = same_site_target("http://localhost" + final, href)
            if not target or crawl_key(target) in seen or queued_per_pattern[url_pattern(target)] >= VISITS_PER_PATTERN:
                continue
            seen.add(crawl_key(target))
            queued_per_pattern[url_pattern(target)] += 1
            queue.append(target)
    return pages, problems


@pytest.fixture
def demo_password(app):
    seed_demo(app.config["DEMO_PASSWORD"])
    return app.config["DEMO_PASSWORD"]


@pytest.mark.parametrize("email", ACCOUNTS, ids=[email or "anonymous" for email in ACCOUNTS])
def test_every_reachable_page_works_and_passes_axe(app, demo_password, email, new_context, sign_in, live_server):
    client = app.test_client()
    if email:
        response = post_form(client, "/auth/login", {"email": email, "password": demo_password})
        assert response.status_code == 302, f"test client could not log in as {email}"
    pages, problems = crawl(client)
    assert len(pages) > 1, f"the crawl found no links from / ({pages})"

    # The demo accounts have their own languages; anonymous visitors get the default, Finnish.
    page = new_context(locale="en-GB" if email else "fi-FI").new_page()
    if email:
        sign_in(page, email, demo_password)
    scanned = {}
    for url, status in pages.items():
        pattern = url_pattern(url)
        if status != 200 or pattern in scanned:
            continue
        response = page.goto(live_server.url(url))
        if response.status != 200:
            problems.append(f"{url}: status {response.status} in the browser")
            continue
        scanned[pattern] = moderate_violations(page)
    failures = [describe_violations(pattern, violations) for pattern, violations in scanned.items() if violations]

    if problems or failures:
        pytest.fail(f"{len(pages)} pages crawled as {email or 'anonymous'}; problems:\n" + "\n".join(problems + failures))
