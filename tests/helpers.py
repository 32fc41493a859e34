"""Helpers for posting real forms in tests (CSRF stays on, as in production)."""

import re

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} -> {response.status_code}"
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def browser(app, user=None):
    """Another browser asking for English, signed in through the login form as ``user`` if given."""
    from tests.factories import PASSWORD

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        assert post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def post_form(client, url, data, *, form_url=None, follow_redirects=False):
    """GET the form page for its token, then POST ``data`` with it."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)


def run_queued_jobs(app):
    """Drain the queue with a real RQ worker when Redis is configured (inline mode runs jobs at once)."""
    if not app.config.get("REDIS_URL"):
        return
    from rq import Queue, SimpleWorker

    from pb.jobs import redis_connection

    connection = redis_connection()
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)


def backdate(event_id, at):
    """Give an audit event an earlier time, and the hash that content calls for (as if written then)."""
    from pb.audit.models import AuditEvent
    from pb.extensions import db

    event = db.session.get(AuditEvent, event_id)
    event.created_at = at
    event.hash = event.compute_hash()
    db.session.flush()
