"""The demo agreement (two indicators, an accepted and an overdue report, two instalments with one
released), and photos and files added to a report through the upload checks."""

import io

from pb.agreements.models import Agreement, InstalmentStatus, ReportStatus
from pb.auth.models import find_by_email
from pb.demo import seed_demo
from pb.extensions import db
from tests.agreements.support import in_force
from tests.helpers import browser, csrf_token


def test_the_demo_agreement(app, client):
    assert seed_demo(app.config["DEMO_PASSWORD"])
    agreement = db.session.execute(db.select(Agreement)).scalar_one()
    assert agreement.is_in_force and len(agreement.indicators) == 2
    assert [report.status for report in agreement.reports] == [ReportStatus.ACCEPTED, ReportStatus.DRAFT]
    assert agreement.report_numbered(2).is_overdue()
    assert [i.status for i in agreement.instalments] == [InstalmentStatus.RELEASED, InstalmentStatus.PLANNED]
    assert agreement.can_view(find_by_email("ngo@demo.pb"))
    assert client.get(f"/agreements/stories/{agreement.proposal_id}").status_code == 200


def _upload(client, url, name, data, content_type):
    token = csrf_token(client, url)
    return client.post(f"{url}/attachments", data={"csrf_token": token, "file": (io.BytesIO(data), name, content_type)},
                       content_type="multipart/form-data")


def test_a_report_takes_a_file_through_the_upload_checks_and_only_participants_read_it(app):
    from tests.implementation.support import png_bytes

    setup = in_force()
    report = setup.agreement.report_numbered(1)
    grantee = browser(app, setup.grantee)
    url = f"/agreements/reports/{report.id}"
    refused = _upload(grantee, url, "virus.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream")
    assert refused.status_code == 422 and "cannot be added" in refused.get_data(as_text=True)
    assert _upload(grantee, url, "party.png", png_bytes(), "image/png").status_code == 302
    db.session.expire_all()
    attachment = report.attachments[0]
    download = grantee.get(f"{url}/files/{attachment.id}")
    assert download.status_code == 200 and download.mimetype == "image/png"
    download.close()
    assert browser(app).get(f"{url}/files/{attachment.id}").status_code == 302  # to the login page
