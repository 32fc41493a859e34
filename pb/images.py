"""Pictures without metadata: what a phone writes into a photo (EXIF with GPS position, camera and
time, XMP, comments, PNG text chunks, a maker's trailer) never leaves with it.

:func:`strip_metadata` re-encodes a stored PNG or JPEG with Pillow, in place: the picture is
first turned upright by its EXIF orientation (``ImageOps.exif_transpose``), then saved with only
what is needed to show it (pixels, palette, transparency, the colour profile). :mod:`pb.uploads`
calls it for every picture it stores, and :func:`has_metadata` lets it clean, once, a picture
stored before this existed when the picture is next served. :func:`has_metadata` reads only the
file's segment headers, not the picture, so asking costs little on every download.
"""

import logging
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# content type (as pb.uploads sniffs it) -> the formats Pillow may find in such a file, and the one it is saved as
FORMATS = {"image/jpeg": (("JPEG", "MPO"), "JPEG"), "image/png": (("PNG",), "PNG")}
# Larger pictures are refused before they are decoded: 60 million pixels is a 48-megapixel phone photo with room.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 90

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG chunks needed to show the picture; any other (tEXt, zTXt, iTXt, eXIf, tIME, animation...) is metadata.
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD"}
# JPEG application segments Pillow itself writes: JFIF, the colour profile, Adobe's colour transform.
_JPEG_KEPT = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}


class ImageError(ValueError):
    """The file cannot be read as the picture it claims to be (broken, too large, another format)."""


def strip_metadata(path, content_type):
    """Re-encode the picture at ``path`` upright and without metadata, replacing the file; returns its new size.

    Raises :class:`ImageError` (the file is left as it was) when it cannot be read as ``content_type``.
    """
    path = Path(path)
    found, saved_as = FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused below in any case
            image = Image.open(path)
        with image:
            if image.format not in found:
                raise ImageError(f"{path.name}: {image.format} is not {content_type}")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{path.name}: {width}x{height} pixels is too many")
            image.load()
            clean = _upright_without_metadata(image)
    except (
        OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError,
        Image.DecompressionBombError, Image.DecompressionBombWarning,
    ) as error:
        if isinstance(error, ImageError):
            raise
        raise ImageError(f"{path.name}: {error}") from error
    options = {}
    if icc_profile := clean.info.pop("icc_profile", None):
        options["icc_profile"] = icc_profile
    if saved_as == "JPEG":
        options["quality"] = JPEG_QUALITY
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as target:
            clean.save(target, saved_as, **options)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.stat().st_size


def _upright_without_metadata(image):
    upright = ImageOps.exif_transpose(image)  # a new image, turned as the EXIF orientation says
    kept = {key: upright.info[key] for key in ("transparency", "icc_profile") if key in upright.info}
    upright.info = kept  # nothing else: JPEG's saver would otherwise copy a comment over
    return upright


def has_metadata(path):
    """Whether the stored PNG or JPEG at ``path`` carries anything beyond what showing it needs.

    Reads segment headers only. A file that is neither PNG nor JPEG, or is cut short, counts as
    having metadata (so cleaning it is tried, and refused).
    """
    with open(path, "rb") as stream:
        start = stream.read(8)
        if start == _PNG_SIGNATURE:
            return _png_has_metadata(stream)
        if start[:2] == b"\xff\xd8":
            stream.seek(2)
            return _jpeg_has_metadata(stream)
    return True


def _png_has_metadata(stream):
    while True:
        header = stream.read(8)
        if len(header) < 8:
            return True  # no IEND: cut short
        length, kind = int.from_bytes(header[:4], "big"), header[4:]
        if kind not in _PNG_KEPT:
            return True
        stream.seek(length + 4, os.SEEK_CUR)  # the data and its CRC
        if kind == b"IEND":
            return stream.read(1) != b""  # anything after the end is someone's trailer


def _jpeg_has_metadata(stream):
    while True:
        byte = stream.read(1)
        if byte != b"\xff":
            return True  # not a marker where one must be
        marker = stream.read(1)
        while marker == b"\xff":  # fill bytes
            marker = stream.read(1)
        if not marker:
            return True
        code = marker[0]
        if code == 0xDA:  # start of scan: the picture itself follows, then the end marker
            stream.seek(-2, os.SEEK_END)
            return stream.read(2) != b"\xff\xd9"  # a trailer after the picture (a maker's, a second picture)
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue
        size = stream.read(2)
        if len(size) < 2:
            return True
        length = int.from_bytes(size, "big") - 2
        if code == 0xFE or 0xE1 <= code <= 0xEF and code not in _JPEG_KEPT:
            return True  # a comment, EXIF or XMP (APP1), IPTC (APP13), a maker's segment
        if code in _JPEG_KEPT:
            identifier = _JPEG_KEPT[code]
            if stream.read(len(identifier)) != identifier:
                return True  # e.g. APP2 "MPF": more pictures in the file
            length -= len(identifier)
        stream.seek(length, os.SEEK_CUR)


def clean_stored(path, content_type):
    """Strip the stored picture at ``path`` if it still carries metadata (one stored before stripping
    existed). Returns False, with a log line, if it carries some and cannot be cleaned."""
    if not has_metadata(path):
        return True
    try:
        strip_metadata(path, content_type)
    except ImageError:
        log.warning("a stored picture cannot be cleaned of its metadata: %s", Path(path).name, exc_info=True)
        return False
    return True
