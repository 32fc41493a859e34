"""Mail goes through the job queue: a mail server that fails after the commit never undoes or hides a saved action."""

import smtplib

import pytest

from pb.auth.models import find_by_email
from pb.extensions import db, mail
from pb.jobs import JobRun, JobStatus
from pb.mail import RETRY_WAITS, OutgoingMail, job_id_of
from tests.auth.support import STRONG_PASSWORD, text
from tests.factories import make_user
from tests.helpers import post_form, run_queued_jobs
from tests.orgs.support import signed_in_client


class SmtpServer:
    """Stands in for Flask-Mail's connection: refuses while ``down``, else keeps what it was given."""

    def __init__(self):
        self.down = True
        self.delivered = []

    def send(self, message):
        if self.down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.delivered.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    monkeypatch.setattr(mail, "send", server.send)
    return server


def register(client):
    return post_form(
        client,
        "/auth/register",
        {
            "email": "uusi@example.com",
            "display_name": "Uusi Asukas",
            "password": STRONG_PASSWORD,
            "confirm": STRONG_PASSWORD,
            "language": "en",
        },
    )


def test_a_failing_mail_server_keeps_the_action_shows_success_and_the_mail_is_retried(app, client, smtp):
    response = register(client)
    run_queued_jobs(app)

    # The person sees their action succeed, and it is saved.
    assert response.status_code == 302
    assert response.location.endswith("/auth/check-email")
    assert "uusi@example.com" in text(client.get("/auth/check-email"))
    assert find_by_email("uusi@example.com") is not None

    # The mail is stored, not sent, and its delivery is shown failed to staff.
    stored = db.session.execute(db.select(OutgoingMail)).scalar_one()
    assert stored.sent_at is None and "confirm" in stored.body.lower()
    run = db.session.get(JobRun, job_id_of(stored.id))
    assert run.status is JobStatus.FAILED
    assert "SMTPServerDisconnected" in run.error
    assert smtp.delivered == []
    if app.config.get("REDIS_URL"):
        from rq.job import Job

        from pb.jobs import redis_connection

        job = Job.fetch(job_id_of(stored.id), connection=redis_connection())
        assert job.retries_left == len(RETRY_WAITS) - 1  # RQ tries again after a wait

    staff_client = signed_in_client(app, make_user("koordinaattori@example.com", staff=True, locale="en"))
    page = text(staff_client.get("/staff/jobs"))
    assert "Mail not sent: 1" in page
    assert "uusi@example.com" in page

    # Still down: sending again fails again and the mail stays listed, nothing lost.
    response = post_form(staff_client, "/staff/jobs/retry-mail", {}, form_url="/staff/jobs")
    assert response.status_code == 302
    run_queued_jobs(app)
    assert smtp.delivered == []
    assert "Mail not sent: 1" in text(staff_client.get("/staff/jobs"))

    # The server is back: the retry delivers it once, and the list is empty.
    smtp.down = False
    post_form(staff_client, "/staff/jobs/retry-mail", {}, form_url="/staff/jobs")
    run_queued_jobs(app)
    assert [message.recipients for message in smtp.delivered] == [["uusi@example.com"]]
    db.session.expire_all()
    assert db.session.get(OutgoingMail, stored.id).sent_at is not None
    assert db.session.get(OutgoingMail, stored.id).body == ""  # the link in it is not kept
    assert db.session.get(JobRun, job_id_of(stored.id)).status is JobStatus.DONE
    page = text(staff_client.get("/staff/jobs"))
    assert "Mail not sent" not in page

    # A late automatic retry of the same delivery sends nothing twice.
    from pb.mail import deliver

    deliver(stored.id)
    assert len(smtp.delivered) == 1


def test_a_queue_that_cannot_be_reached_leaves_the_action_saved_and_the_job_failed(app, client, monkeypatch):
    """With Redis down, the saved action stands and the job shows failed (so staff can retry), never 'waiting'."""
    import pb.jobs

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    response = register(client)
    assert response.status_code == 302
    assert find_by_email("uusi@example.com") is not None
    stored = db.session.execute(db.select(OutgoingMail)).scalar_one()
    run = db.session.get(JobRun, job_id_of(stored.id))
    assert run.status is JobStatus.FAILED
    assert run.error.startswith("not queued")
    assert pb.jobs.JOB_ID_PATTERN.fullmatch(run.id)


def test_pb_worker_builds_the_app_and_delivers_in_its_forked_job_processes(app, tmp_path):
    """The worker's own entry point: a separate process, RQ's forking worker, the same database and queue."""
    import os
    import subprocess
    import sys

    from tests.conftest import skip_or_fail

    if not app.config.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set; jobs run inline (covered by the other tests)")
    from pb.mail import send_mail
    from pb.transactions import commit

    send_mail("asukas@example.com", "Tervetuloa", "Hei!")
    commit()
    stored = db.session.execute(db.select(OutgoingMail)).scalar_one()
    assert db.session.get(JobRun, job_id_of(stored.id)).status is JobStatus.QUEUED

    outbox = tmp_path / "worker-outbox"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": url.render_as_string(hide_password=False) if hasattr(url, "render_as_string") else str(url),
        "REDIS_URL": app.config["REDIS_URL"],
        "PB_RQ_QUEUE": app.config["RQ_QUEUE"],
        "PB_OUTBOX_PATH": str(outbox),
    }
    env.pop("MAIL_SERVER", None)
    finished = subprocess.run(
        [sys.executable, "-m", "pb.worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    db.session.expire_all()
    assert db.session.get(JobRun, job_id_of(stored.id)).status is JobStatus.DONE
    assert db.session.get(OutgoingMail, stored.id).sent_at is not None
    assert len(list(outbox.glob("*.eml"))) == 1


def test_subjects_with_finnish_letters_are_whole_rfc_2047_words(app, outbox):
    """Every encoded word stands alone, so strict readers (compat32 decode_header, old mail programs)
    show the subject as written; before, an encoded word was glued to plain text ("pitk=?utf-8?q?...")."""
    from email import message_from_bytes
    from email.header import decode_header, make_header
    from pathlib import Path

    from pb.mail import send_mail
    from pb.transactions import commit

    subject = "Osallistu: Kesäillat Itäkeskuksen puistossa ja pitkä otsikko joka jatkuu vielä pitkään ja pitkään"
    with app.test_request_context():
        send_mail("asukas@example.fi", subject, "Hei!")
        commit()
    outbox.messages()
    raw = max(Path(app.config["OUTBOX_PATH"]).glob("*.eml")).read_bytes()
    header = message_from_bytes(raw)["Subject"]
    assert str(make_header(decode_header(header))) == subject
    assert all(word.startswith("=?") or word.isascii() for word in header.split())
    assert "pitk=?" not in header
