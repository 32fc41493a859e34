"""A proposal attachment that is a picture is stored and served without EXIF, GPS, XMP or comments."""

import io
from pathlib import Path

from pb.extensions import db
from tests.factories import make_proposal, make_user
from tests.helpers import post_form
from tests.voting.pictures import assert_clean, jpeg_with_gps


def test_a_jpeg_attachment_loses_its_metadata(app, client, login):
    rep = make_user(locale="en")
    proposal = make_proposal(representative=rep)
    login(rep)
    response = post_form(client, f"/proposals/{proposal.id}/edit/attachments",
                         {"file": (io.BytesIO(jpeg_with_gps()), "yard.jpg")})
    assert response.status_code == 302
    db.session.refresh(proposal)
    [attachment] = proposal.attachments
    path = Path(app.config["UPLOAD_PATH"]) / attachment.stored_name
    assert attachment.size == path.stat().st_size and attachment.content_type == "image/jpeg"
    assert_clean(path.read_bytes(), size=(20, 40))
    with client.get(f"/proposals/{proposal.id}/attachments/{attachment.id}") as download:
        assert download.status_code == 200
        body = download.get_data()
    assert len(body) == attachment.size
    assert_clean(body, size=(20, 40))
