"""Evidence photos made fit for a report: checked, shrunk when large, and sized to fit a box keeping their
shape. A JPEG or PNG that is already small enough and upright goes in as it is (decoding and re-encoding
every photo is what makes an annex slow); others are decoded at reduced scale where JPEG allows it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

EMU_PER_CM = 360000
MAX_PIXELS = 1600  # longest side kept in the document: sharp when printed at report size, small on disk
DRAFT_PIXELS = 1000  # a bigger JPEG is decoded at the smallest 1/2, 1/4 or 1/8 scale at least this big
EXIF_ORIENTATION = 0x0112
Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs
_UNREADABLE = (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError)


@dataclass(frozen=True)
class FittedPicture:
    data: bytes  # JPEG or PNG
    width_emu: int
    height_emu: int


def _fit(width: int, height: int, max_width_cm: float, max_height_cm: float) -> tuple[int, int]:
    scale = min(max_width_cm / width, max_height_cm / height)
    return round(width * scale * EMU_PER_CM), round(height * scale * EMU_PER_CM)


def _shrunk(content: bytes) -> tuple[bytes, int, int]:
    with Image.open(BytesIO(content)) as image:
        if image.format == "JPEG" and max(image.size) > DRAFT_PIXELS:
            # decode at 1/2, 1/4 or 1/8 scale, as small as keeps the longest side at least DRAFT_PIXELS
            scale = DRAFT_PIXELS / max(image.size)
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        image.thumbnail((MAX_PIXELS, MAX_PIXELS))
        out = BytesIO()
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            image.convert("RGBA").save(out, "PNG")
        else:
            image.convert("RGB").save(out, "JPEG", quality=82)
        return out.getvalue(), image.width, image.height


def fit_picture(content: bytes, max_width_cm: float, max_height_cm: float) -> FittedPicture | None:
    """The picture at most MAX_PIXELS on its longest side (JPEG, or PNG with transparency), with the
    largest size that fits the box; None when the bytes are not a picture Pillow can read."""
    try:
        with Image.open(BytesIO(content)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
        with Image.open(BytesIO(content)) as header:
            upright = header.getexif().get(EXIF_ORIENTATION, 1) == 1
        if width < 1 or height < 1:
            return None
        if kind in ("JPEG", "PNG") and upright and max(width, height) <= MAX_PIXELS:
            data = content
        else:
            data, width, height = _shrunk(content)
    except _UNREADABLE:
        return None
    return FittedPicture(data, *_fit(width, height, max_width_cm, max_height_cm))
