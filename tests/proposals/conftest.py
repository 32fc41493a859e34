"""Fixtures for the proposal tests: English pages, signed-in clients per person, sample files, a query counter."""

import contextlib
import io
import zipfile

import pytest

from tests.factories import PASSWORD, make_call, make_organisation, make_user
from tests.helpers import post_form


@pytest.fixture
def client_for(app):
    """``client_for(user)``: a separate browser signed in as ``user``."""

    def build(user):
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = post_form(browser, "/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return browser

    return build


@pytest.fixture
def rep():
    return make_user(locale="en", name="Rita Representative")


@pytest.fixture
def ngo(rep):
    return make_organisation("ngo", name="Kulmakunta ry", representative=rep)


@pytest.fixture
def call():
    """Open; grants 1 000 – 10 000 €, own funding 10 %, NGOs and resident groups."""
    return make_call("open")


def text(response):
    return response.get_data(as_text=True)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
def _picture(format):
    """A real 4x4 picture: pictures are re-encoded when stored, so they must open as pictures."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format)
    return buffer.getvalue()


PNG = _picture("PNG")
JPEG = _picture("JPEG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def odt_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@contextlib.contextmanager
def count_queries():
    """The SQL statements sent to the database inside the block, as a list of strings (read it after the block)."""
    from sqlalchemy import event

    from pb.extensions import db

    statements = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
