"""Readers and builders shared by the organisation, district, steering, staff and audit tests."""

from pb.audit.models import AuditEvent
from pb.extensions import db
from tests.factories import make_user


def user(**kwargs):
    """A verified account that reads the service in English (the account language wins over the browser's)."""
    return make_user(locale="en", **kwargs)


def text(response):
    return response.get_data(as_text=True)


def main(response):
    """The <main> element of a page, without the header and footer."""
    html = text(response)
    return html[html.index("<main") : html.index("</main>")]


def audit_events(action_prefix=""):
    query = db.select(AuditEvent).where(AuditEvent.action.startswith(action_prefix)).order_by(AuditEvent.id)
    return db.session.execute(query).scalars().all()


def audit_actions(action_prefix=""):
    return [event.action for event in audit_events(action_prefix)]


def english_request(app):
    """A request context in English, for calling services whose messages are translated."""
    return app.test_request_context(headers={"Accept-Language": "en"})


def english_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in_client(app, account):
    """A separate English-reading client signed in as ``account`` through the login form."""
    from tests.factories import PASSWORD
    from tests.helpers import post_form

    client = english_client(app)
    response = post_form(client, "/auth/login", {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, text(response)[:2000]
    return client
