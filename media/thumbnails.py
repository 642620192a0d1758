"""JPEG thumbnails with the EXIF orientation applied."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from .errors import PhotoError
from .verify import _DECODE_ERRORS, MAX_BYTES, MAX_PIXELS, _decode_fully, open_checked

THUMBNAIL_QUALITY = 82
_BACKGROUND = (255, 255, 255)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "RGBa"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, _BACKGROUND)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def make_thumbnail(
    *, data: bytes, max_side: int = 320, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> bytes:
    """JPEG bytes of the image upright (EXIF orientation applied), longest side ≤ ``max_side``.

    Transparency is flattened onto white. No EXIF is kept in the thumbnail. The same
    checks as :func:`media.verify.inspect_image` apply; raises only :class:`PhotoError`
    (or ``ValueError`` for a bad ``max_side``).
    """
    if not isinstance(max_side, int) or isinstance(max_side, bool) or max_side < 16 or max_side > 4096:
        raise ValueError("max_side: must be an integer between 16 and 4096")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image, fmt = open_checked(data=data, max_bytes=max_bytes, max_pixels=max_pixels)
        try:
            if fmt == "JPEG":
                # Let libjpeg decode at a reduced scale (>= twice the target) to save time.
                image.draft("RGB", (max_side * 2, max_side * 2))
            _decode_fully(image, fmt)
            try:
                upright = ImageOps.exif_transpose(image)
                rgb = _to_rgb(upright)
                rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                rgb.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
            except _DECODE_ERRORS as exc:
                raise PhotoError(
                    code="corrupt", http_status=400, message=f"file: cannot make a thumbnail ({exc})"
                ) from None
        finally:
            image.close()
    return out.getvalue()
