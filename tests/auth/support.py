"""Small readers for auth tests."""

import re

from pb.audit.models import AuditEvent
from pb.extensions import db

STRONG_PASSWORD = "green tea at five 55"
NEW_PASSWORD = "blue kettle on the stove 7"


def text(response):
    return response.get_data(as_text=True)


def main(response):
    """The <main> element of a page without CSRF tokens, to compare what two visitors see."""
    html = text(response)
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html[html.index("<main") : html.index("</main>")])


def audit_events(action=None):
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.filter_by(action=action)
    return db.session.execute(query).scalars().all()


def audit_actions():
    return [event.action for event in audit_events()]


def link_in(body, path_prefix):
    links = re.findall(rf"https?://[^\s]+{re.escape(path_prefix)}[^\s]+", body)
    assert links, f"no {path_prefix} link in:\n{body}"
    return links[0]


def is_signed_in(client):
    return client.get("/auth/account").status_code == 200


def english_client(app, address=None):
    """A browser reading English; ``address`` is what a proxy in front would put in X-Forwarded-For."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if address:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client
