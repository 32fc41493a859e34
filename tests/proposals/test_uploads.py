"""pb.uploads: type by content, size cap, random names outside static, downloads only with access."""

import io
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from pb.config import PROJECT_ROOT
from pb.uploads import UploadError, save_upload
from tests.factories import make_proposal, make_user
from tests.helpers import post_form
from tests.proposals.conftest import EXE, JPEG, PDF, PNG, docx_bytes, odt_bytes


def upload(content, name):
    return FileStorage(io.BytesIO(content), filename=name)


@pytest.mark.parametrize(
    ("content", "name", "mime", "stored_name"),
    [
        (PDF, "plan.pdf", "application/pdf", "plan.pdf"),
        (PNG, "photo.png", "image/png", "photo.png"),
        (JPEG, "photo.JPG", "image/jpeg", "photo.jpg"),
        (docx_bytes(), "budget.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "budget.docx"),
        (odt_bytes(), "plan.odt", "application/vnd.oasis.opendocument.text", "plan.odt"),
        (PDF, "misnamed.png", "application/pdf", "misnamed.pdf"),
    ],
)
def test_allowed_types_are_recognised_by_content(app, content, name, mime, stored_name):
    with app.test_request_context():
        stored = save_upload(upload(content, name))
    assert stored.content_type == mime
    assert stored.original_name == stored_name
    path = Path(app.config["UPLOAD_PATH"]) / stored.stored_name
    if mime.startswith("image/"):  # re-encoded without metadata (tests/voting/test_idea_pictures.py): the same picture
        with Image.open(path) as kept, Image.open(io.BytesIO(content)) as sent:
            assert kept.format == sent.format and kept.size == sent.size
            assert kept.convert("RGB").getpixel((0, 0)) == pytest.approx(sent.convert("RGB").getpixel((0, 0)), abs=3)
        assert stored.size == path.stat().st_size
    else:
        assert path.read_bytes() == content
    assert name.rsplit(".", 1)[0] not in stored.stored_name  # a random name, not the person's
    assert PROJECT_ROOT / "static" not in path.parents


@pytest.mark.parametrize(
    ("content", "name"),
    [(EXE, "invoice.pdf"), (b"<html><script>alert(1)</script></html>", "page.pdf"), (b"plain text", "notes.docx")],
)
def test_other_types_are_refused_whatever_the_name(app, content, name):
    folder = Path(app.config["UPLOAD_PATH"])
    before = set(folder.glob("*")) if folder.exists() else set()
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(UploadError, match="cannot be added"):
        save_upload(upload(content, name))
    assert set(folder.glob("*")) == before


def test_empty_and_missing_files(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(UploadError, match="empty"):
            save_upload(upload(b"", "empty.pdf"))
        with pytest.raises(UploadError, match="Choose a file"):
            save_upload(FileStorage(io.BytesIO(b""), filename=""))


def test_size_cap_leaves_nothing_behind(app, monkeypatch):
    monkeypatch.setitem(app.config, "PB_MAX_ATTACHMENT_MB", 1)
    folder = Path(app.config["UPLOAD_PATH"])
    before = set(folder.glob("*")) if folder.exists() else set()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(UploadError, match="at most 1 MB"):
            save_upload(upload(PDF + b"0" * (1024 * 1024), "big.pdf"))
        assert save_upload(upload(PDF + b"0" * (1024 * 1024 - len(PDF)), "exact.pdf")).size == 1024 * 1024
    assert len(set(folder.glob("*")) - before) == 1


def test_download_only_with_access_and_as_attachment(client, login, app):
    rep = make_user(locale="en")
    proposal = make_proposal(representative=rep)
    login(rep)
    assert post_form(client, f"/proposals/{proposal.id}/edit/attachments",
                     {"file": (io.BytesIO(PNG), "yard.png")}).status_code == 302
    attachment = proposal.attachments[0]
    url = f"/proposals/{proposal.id}/attachments/{attachment.id}"
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.mimetype == "image/png"
        assert response.get_data() == (Path(app.config["UPLOAD_PATH"]) / attachment.stored_name).read_bytes()
        with Image.open(io.BytesIO(response.get_data())) as served:
            assert served.format == "PNG" and served.size == (4, 4) and served.getpixel((3, 3)) == (200, 30, 30)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/static/{attachment.stored_name}").status_code == 404

    stranger = app.test_client()
    login_stranger = make_user(locale="en")
    from tests.factories import PASSWORD

    assert post_form(stranger, "/auth/login", {"email": login_stranger.email, "password": PASSWORD}).status_code == 302
    assert stranger.get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page

    assert post_form(client, f"{url}/remove", {}, form_url=f"/proposals/{proposal.id}/edit/attachments").status_code == 302
    page = client.get(f"/proposals/{proposal.id}/edit/attachments").get_data(as_text=True)
    assert f'href="{url}"' not in page and "No files yet" in page
    with client.get(url) as response:
        assert response.status_code == 200  # kept for the versions that list it
