"""The one checked way to take a file from a person and give it back.

- The type is sniffed from the content with ``filetype``, never taken from the name or
  the browser: an .exe renamed .pdf is refused. Allowed: PDF, ODT, DOCX, PNG, JPEG.
- The size is capped at ``PB_MAX_ATTACHMENT_MB`` (default 10). The whole request is
  capped earlier by ``MAX_CONTENT_LENGTH`` (the 413 page), which must stay larger.
- Files are stored under ``UPLOAD_PATH`` (outside ``static``) with a random name, so
  nothing uploaded is ever reachable by URL except through a view that checks access
  and calls :func:`send_upload`, which always sends the file as a download.
- Pictures (PNG, JPEG) are re-encoded when stored, upright and without metadata (EXIF with
  the GPS position, XMP, comments: :mod:`pb.images`); one stored before that is cleaned the
  first time it is sent. A picture that cannot be read as one is refused.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app, send_file
from flask_babel import gettext as _

from pb.errors import DomainError
from pb.images import FORMATS as IMAGE_FORMATS
from pb.images import ImageError, clean_stored, strip_metadata

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "image/png": "png",
    "image/jpeg": "jpg",
}
ALLOWED_DESCRIPTION = "PDF, ODT, DOCX, PNG, JPEG"
DEFAULT_MAX_MB = 10
_SNIFF_BYTES = 8192
_CHUNK = 64 * 1024
_NAME_MAX = 200


class UploadError(DomainError):
    """The file was refused; ``str(error)`` is a translated message for the person."""


@dataclass(frozen=True)
class StoredUpload:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def max_bytes():
    return int(current_app.config.get("PB_MAX_ATTACHMENT_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def max_megabytes():
    return max_bytes() // (1024 * 1024)


def _folder():
    folder = Path(current_app.config["UPLOAD_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(stored_name):
    # Stored names are made here (hex + a known extension); refuse anything else outright.
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise FileNotFoundError(stored_name)
    return _folder() / stored_name


def _display_name(filename, extension):
    """The name as the person knows it, without any folder part; the sniffed extension wins."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isprintable()) or _("attachment")
    return f"{stem[: _NAME_MAX - len(extension) - 1]}.{extension}"


def save_upload(file_storage):
    """Check and store one uploaded file (a Werkzeug ``FileStorage``); returns a :class:`StoredUpload`.

    Raises :class:`UploadError` when the file is missing, empty, too large or of a type not allowed.
    Nothing is left on disk when a file is refused.
    """
    if file_storage is None or not file_storage.filename:
        raise UploadError(_("Choose a file to add."))
    limit = max_bytes()
    stream = file_storage.stream
    head = stream.read(_SNIFF_BYTES)
    if not head:
        raise UploadError(_("The file is empty. Choose another file."))
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise UploadError(
            _(
                "This kind of file cannot be added. Allowed kinds are: %(kinds)s. "
                "The content of the file decides, not the end of its name.",
                kinds=ALLOWED_DESCRIPTION,
            )
        )
    extension = ALLOWED_TYPES[kind.mime]
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = _path(stored_name)
    size = len(head)
    try:
        with open(path, "xb") as target:
            target.write(head)
            while size <= limit:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                target.write(chunk)
        if size > limit:
            raise UploadError(
                _("The file is too large. A file can be at most %(mb)s MB.", mb=max_megabytes())
            )
        if kind.mime in IMAGE_FORMATS:
            try:
                size = strip_metadata(path, kind.mime)
            except ImageError as error:
                raise UploadError(
                    _("The picture could not be read. Save it again as a PNG or JPEG file and add it again.")
                ) from error
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredUpload(stored_name, _display_name(file_storage.filename, extension), kind.mime, size)


def delete_upload(stored_name):
    """Remove a stored file (used when the database change that refers to it is rolled back)."""
    try:
        _path(stored_name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def clean_stored_picture(stored_name, content_type):
    """Make sure the stored picture carries no metadata (cleaning it in place if it does). False when it
    cannot be: the file is missing or is not a readable picture. Other files are left alone (True)."""
    if content_type not in IMAGE_FORMATS:
        return True
    try:
        return clean_stored(_path(stored_name), content_type)
    except FileNotFoundError:
        return False


def send_upload(stored_name, download_name, content_type):
    """Send a stored file as a download. Call it only after checking the person's access.

    A picture that still carries metadata is cleaned first, in place; one that cannot be cleaned
    is not sent (``FileNotFoundError``, as for a missing file).
    """
    if not clean_stored_picture(stored_name, content_type):
        raise FileNotFoundError(stored_name)
    return send_file(
        _path(stored_name),
        mimetype=content_type,
        as_attachment=True,
        download_name=download_name,
        max_age=0,
        conditional=False,
    )
