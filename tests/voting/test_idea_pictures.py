"""Idea pictures leave no metadata: EXIF (GPS, camera), XMP, comments and text chunks are stripped when
the picture is uploaded (re-encoded, turned upright first), pictures stored before that are cleaned when
served, and a deleted account's ideas keep their pictures only without metadata."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from pb.audit.models import AuditEvent
from pb.auth import services as accounts
from pb.extensions import db
from pb.transactions import commit
from pb.uploads import UploadError, save_upload
from pb.voting import services
from pb.voting.models import Idea
from tests.factories import make_round, make_voter
from tests.helpers import browser, csrf_token
from tests.voting.pictures import SECRETS, assert_clean, jpeg_with_gps, png_with_metadata


def fetch(client, url):
    response = client.get(url)
    body, status = response.data, response.status_code
    response.close()  # the file stays open until the response is closed
    return status, body


def upload_folder(app):
    return Path(app.config["UPLOAD_PATH"])


@pytest.fixture
def collecting():
    budget_round = make_round("idea_collection", projects=0)
    return budget_round, budget_round.budgets[0].district


def send_idea(app, budget_round, district, picture, name):
    resident = browser(app, make_voter(district, locale="en"))
    url = f"/voting/{budget_round.id}/ideas/new"
    fields = {"title": "Mural", "text": "Paint the underpass.", "district_id": str(district.id)}
    response = resident.post(url, data={**fields, "csrf_token": csrf_token(resident, url), "image": (io.BytesIO(picture), name)},
                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = browser(app).get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'href="(/voting/ideas/\d+/picture)"', page).group(1)


def test_a_jpeg_with_gps_is_served_without_any_metadata_and_upright(app, collecting):
    original = jpeg_with_gps()
    assert all(secret in original for secret in SECRETS)  # the test picture does carry them
    picture_url = send_idea(app, *collecting, original, "IMG_0001.jpg")
    status, body = fetch(browser(app), picture_url)
    assert status == 200
    # Stored 40x20 with "turn 90 degrees clockwise": the clean copy is turned already, 20x40 and no tag.
    top_left = assert_clean(body, size=(20, 40), format="JPEG")
    assert top_left[2] > 150 and top_left[0] < 100  # the blue half is now on top
    idea = db.session.execute(db.select(Idea)).scalar_one()
    assert_clean((upload_folder(app) / idea.image_stored_name).read_bytes())  # clean at rest too


def test_a_png_loses_its_text_xmp_and_exif_chunks(app, collecting):
    picture_url = send_idea(app, *collecting, png_with_metadata(), "drawing.png")
    status, body = fetch(browser(app), picture_url)
    assert status == 200
    assert assert_clean(body, size=(30, 10), format="PNG") == (0, 128, 0)
    with Image.open(io.BytesIO(body)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0)) == (0, 128, 0, 200)


def test_a_picture_stored_before_stripping_existed_is_cleaned_when_served(app, collecting):
    budget_round, district = collecting
    stored_name = "0123456789abcdef0123456789abcdef.jpg"
    upload_folder(app).mkdir(parents=True, exist_ok=True)
    (upload_folder(app) / stored_name).write_bytes(jpeg_with_gps())
    author = make_voter(district)
    idea = services.submit_idea(author, budget_round, district.id, "Old", "From last year.", "")
    idea.image_stored_name, idea.image_content_type = stored_name, "image/jpeg"
    commit()
    status, body = fetch(browser(app), f"/voting/ideas/{idea.id}/picture")
    assert status == 200
    assert_clean(body, size=(20, 40))
    assert_clean((upload_folder(app) / stored_name).read_bytes())  # cleaned once, on disk
    assert fetch(browser(app), f"/voting/ideas/{idea.id}/picture") == (200, body)


def test_a_picture_that_does_not_open_as_an_image_is_refused_and_not_kept(app):
    folder = upload_folder(app)
    before = set(folder.glob("*")) if folder.exists() else set()
    broken = jpeg_with_gps()[:200]  # starts like a JPEG, the picture itself is missing
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(UploadError, match="could not be read"):
        save_upload(FileStorage(io.BytesIO(broken), filename="photo.jpg"))
    assert set(folder.glob("*")) == before


def test_a_deleted_accounts_ideas_stay_with_their_pictures_without_metadata(app, collecting):
    budget_round, district = collecting
    author = make_voter(district, locale="en")
    folder = upload_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    kept_name, broken_name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jpg", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.jpg"
    (folder / kept_name).write_bytes(jpeg_with_gps())  # stored before stripping existed
    (folder / broken_name).write_bytes(jpeg_with_gps()[:200])  # cannot be cleaned: it goes
    kept = services.submit_idea(author, budget_round, district.id, "Benches", "More benches.", "")
    kept.image_stored_name, kept.image_content_type = kept_name, "image/jpeg"
    broken = services.submit_idea(author, budget_round, district.id, "Swings", "New swings.", "")
    broken.image_stored_name, broken.image_content_type = broken_name, "image/jpeg"
    commit()

    accounts.delete_account(author)
    commit()

    db.session.expire_all()
    kept, broken = db.session.get(Idea, kept.id), db.session.get(Idea, broken.id)
    assert kept.title == "Benches" and broken.title == "Swings"  # ideas stay, without a link to the person
    assert_clean((folder / kept_name).read_bytes(), size=(20, 40))  # cleaned at once, not only when served
    status, body = fetch(browser(app), f"/voting/ideas/{kept.id}/picture")
    assert status == 200 and assert_clean(body, size=(20, 40))
    assert broken.image_stored_name is None and broken.image_content_type is None
    assert not (folder / broken_name).exists()
    assert fetch(browser(app), f"/voting/ideas/{broken.id}/picture")[0] == 404
    removed = db.session.execute(db.select(AuditEvent).filter_by(action="voting.idea_picture_removed")).scalar_one()
    assert removed.subject_id == str(broken.id)


def test_a_picture_file_that_is_missing_answers_404(app, collecting):
    budget_round, district = collecting
    idea = services.submit_idea(make_voter(district), budget_round, district.id, "Gone", "Its file is gone.", "")
    idea.image_stored_name, idea.image_content_type = "cccccccccccccccccccccccccccccccc.png", "image/png"
    commit()
    assert fetch(browser(app), f"/voting/ideas/{idea.id}/picture")[0] == 404


def test_stripping_rewrites_the_file_in_place(tmp_path):
    from pb.images import has_metadata, strip_metadata

    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_with_gps())
    assert has_metadata(path)
    size = strip_metadata(path, "image/jpeg")
    assert size == path.stat().st_size and not has_metadata(path)
    assert_clean(path.read_bytes(), size=(20, 40))
    assert not list(tmp_path.glob("*.tmp*"))  # no temporary file left behind
