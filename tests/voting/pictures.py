"""Pictures as phones leave them: EXIF with GPS and the camera, an orientation tag, XMP, comments, text chunks."""

import io

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110
SECRETS = (b"Exif", b"PhoneMaker", b"Model X", b"secret comment", b"xmpmeta", b"60.1699", b"GPS")


def phone_exif(orientation=6):
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Model X"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (60.0, 10.0, 11.64), 3: "E", 4: (24.0, 56.0, 17.64)})
    return exif


def jpeg_with_gps(size=(40, 20)):
    """A JPEG stored 40x20 wide, shown 20x40 tall (orientation 6: turn 90 degrees clockwise)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: the turn is visible
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=phone_exif(), comment=b"secret comment",
               xmp=b"<x:xmpmeta>GPS 60.1699 24.9384</x:xmpmeta>", quality=95)
    return buffer.getvalue()


def png_with_metadata(size=(30, 10)):
    image = Image.new("RGBA", size, (0, 128, 0, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret comment GPS 60.1699")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 60.1699</x:xmpmeta>")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=phone_exif(orientation=1))
    return buffer.getvalue()


def assert_clean(data, *, size=None, format=None):
    """No EXIF, GPS, XMP, comment or text left in ``data`` (bytes of a picture), which still opens."""
    for secret in SECRETS:
        assert secret not in data, secret
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert len(image.getexif()) == 0
        assert not {"exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(image.info), image.info
        assert not getattr(image, "applist", [])[1:], image.applist  # JFIF only
        if size is not None:
            assert image.size == size
        if format is not None:
            assert image.format == format
        return image.convert("RGB").getpixel((0, 0))
