"""Public timeline updates of a project: text in the staff's languages and an optional photo.

A photo goes through :mod:`pb.uploads` like every other file (its content decides its type; it is
re-encoded without metadata), and must be a PNG or JPEG picture with an alternative text. Followers
are mailed about each update by a job queued after the commit (:mod:`pb.implementation.jobs`).
"""

import filetype
from flask_babel import gettext as _

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.implementation.models import ImplementationUpdate
from pb.implementation.services.following import follower_count
from pb.jobs import enqueue
from pb.transactions import after_commit
from pb.uploads import save_upload

PHOTO_TYPES = ("image/png", "image/jpeg")
MAIL_FOLLOWERS = "pb.implementation.jobs.mail_followers"
_SNIFF_BYTES = 8192


class UpdateRefused(DomainError):
    """An update the rules refuse; ``errors`` maps a field name to its translated message."""

    status = 422

    def __init__(self, errors):
        super().__init__(*errors.values())
        self.errors = dict(errors)


def store_photo(file_storage):
    """Check and store an uploaded photo; returns a :class:`pb.uploads.StoredUpload`.

    Anything but a PNG or JPEG picture is refused before it is stored (with a message about photos,
    not about the other kinds of files that :func:`pb.uploads.save_upload` takes); size, emptiness and
    a picture that cannot be read are refused by ``save_upload`` (``UploadError``).
    """
    stream = file_storage.stream
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    kind = filetype.guess(head) if head else None
    if head and (kind is None or kind.mime not in PHOTO_TYPES):
        raise UpdateRefused({"photo": _("The photo must be a PNG or JPEG picture. Choose a picture file.")})
    return save_upload(file_storage)


def mail_job_id(update_id):
    return f"implementation-update-{update_id}"


def post_update(actor, implementation, text, photo=None, photo_alt=None):
    """Add a public update; ``text`` and ``photo_alt`` are translated dicts, ``photo`` a stored upload or None.

    Raises :class:`UpdateRefused`. Audited; the followers' mail is queued after the commit. Flushes.
    """
    photo_alt = {code: value for code, value in (photo_alt or {}).items() if value}
    errors = {}
    if not (text or {}).get("fi"):
        errors["text"] = _("Write the update, at least in Finnish.")
    if photo is not None and photo.content_type not in PHOTO_TYPES:
        errors["photo"] = _("The photo must be a PNG or JPEG picture. Choose a picture file.")
    if photo is not None and not photo_alt.get("fi"):
        errors["photo_alt"] = _("Describe what the photo shows, at least in Finnish, for people who cannot see it.")
    if errors:
        raise UpdateRefused(errors)
    update = ImplementationUpdate(
        implementation_id=implementation.id,
        text=text,
        photo_stored_name=photo.stored_name if photo else None,
        photo_content_type=photo.content_type if photo else None,
        photo_alt=photo_alt if photo else {},
        status=implementation.status,
        progress=implementation.progress,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(update)
    db.session.flush()
    record(
        actor,
        "implementation.update_posted",
        implementation,
        {"update_id": update.id, "photo": photo is not None, "languages": sorted(text)},
    )
    if follower_count(implementation):
        update_id = update.id
        after_commit(lambda: enqueue(MAIL_FOLLOWERS, update_id, job_id=mail_job_id(update_id)))
    return update
