"""Browser fixtures: the app in a live server process, Debian Chromium driven by Playwright, axe-core.

The ``live_server`` process is forked from the session ``app`` (tests/conftest.py), so it shares
its database and outbox folder. Data a test writes through ``db`` must be committed before the
browser asks for it. One browser per session, a fresh context (cookies, storage) per test.
"""

import logging
import multiprocessing
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from pb.extensions import db
from tests.browser import describe_violations, serious_violations
from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("PB_BROWSER_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"))
SERVER_LOG = ARTIFACTS / "live-server.log"


@pytest.fixture(scope="session")
def _live_server_setup(app):
    """Prepare the session app for forking, and give it a host name the browser can open.

    pytest-flask sets SERVER_NAME to ``<name>:<port>`` and falls back to ``localhost.localdomain``,
    which does not resolve; with ``localhost`` the links in mails written by the server work.
    Pooled connections are closed first so the server process never shares a database socket.
    The server process logs its errors to a file, shown with the failing test and kept for CI.
    """
    import pytest_flask.live_server

    original_name = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = "localhost"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_handler = logging.FileHandler(SERVER_LOG, mode="w", encoding="utf-8")
    log_handler.setLevel(logging.ERROR)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = (app.logger, logging.getLogger("werkzeug"))
    for logger in loggers:
        logger.addHandler(log_handler)
    # The server process must inherit the app, which cannot be pickled for "spawn"/"forkserver".
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pytest_flask.live_server, "multiprocessing", multiprocessing.get_context("fork"))
        yield original_name, loggers, log_handler


@pytest.fixture(scope="session")
def live_server(_live_server_setup, live_server, app):
    """pytest-flask's live server; the test process gets back its SERVER_NAME and loggers.

    Jobs drained in the test process (``run_queued_jobs``) link to the live server in their mail.
    """
    original_name, loggers, log_handler = _live_server_setup
    app.config["SERVER_NAME"] = original_name
    app.config["PB_BASE_URL"] = live_server.url()
    for logger in loggers:
        logger.removeHandler(log_handler)
    log_handler.close()
    return live_server


@pytest.fixture(scope="session")
def browser(live_server):
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, request):
    """``new_context(**options)``: a fresh browser context, closed after the test.

    The browser asks for English unless told otherwise, so tests can find controls by their English labels.
    """
    contexts = []
    request.node.server_log_offset = SERVER_LOG.stat().st_size

    def make(**options):
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot and the HTML of every page a failed test had open, for CI artifacts."""
    outcome = yield
    report = outcome.get_result()
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or browser is None:
        return
    with SERVER_LOG.open(encoding="utf-8") as log:
        log.seek(getattr(item, "server_log_offset", 0))
        server_errors = log.read()
    if server_errors:
        report.sections.append(("live server errors", server_errors))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    pages = [page for context in browser.contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        path = ARTIFACTS / f"{stem}-{number}"
        try:
            page.screenshot(path=f"{path}.png", full_page=True)
            Path(f"{path}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test failure
            report.sections.append(("browser artifacts", f"could not save {page.url}: {error!r}"))
        else:
            report.sections.append(("browser artifacts", f"{path}.png and .html: {page.url}"))


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page)`` fails with a readable list when axe finds serious or critical problems."""

    def check(page):
        violations = serious_violations(page)
        assert not violations, "axe-core found serious or critical violations\n" + describe_violations(page.url, violations)

    return check


@pytest.fixture
def sign_in(live_server, assert_accessible):
    """``sign_in(page, email, password)`` logs in through the real login form (in a context asking for English)."""

    def do_sign_in(page, email, password):
        page.goto(live_server.url("/auth/login"))
        assert_accessible(page)
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        # Only a signed-in page has the logout form; its text depends on the account's language.
        expect(page.locator("form[action$='/auth/logout']")).to_have_count(1)

    return do_sign_in
