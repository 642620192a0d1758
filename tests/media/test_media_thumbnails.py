import io

import pytest
from PIL import Image

from media.photos import PhotoError, make_thumbnail
from tests.media.media_factories import BLUE, RED, encode, jpeg, make_exif, png_header_only, split_image


def open_jpeg(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    return img


def near(pixel, colour, tol=60):
    return all(abs(a - b) <= tol for a, b in zip(pixel, colour))


def test_orientation_6_swaps_dimensions_and_rotates_clockwise():
    data = jpeg(width=400, height=200, exif=make_exif(orientation=6))
    thumb = open_jpeg(make_thumbnail(data=data, max_side=320))
    assert thumb.size == (160, 320)
    # Stored left half (red) ends up on top once rotated for display.
    assert near(thumb.getpixel((80, 40)), RED)
    assert near(thumb.getpixel((80, 280)), BLUE)
    assert not thumb.getexif().get(0x0112)


def test_no_orientation_keeps_layout():
    thumb = open_jpeg(make_thumbnail(data=jpeg(width=400, height=200), max_side=100))
    assert thumb.size == (100, 50)
    assert near(thumb.getpixel((10, 25)), RED)
    assert near(thumb.getpixel((90, 25)), BLUE)


def test_small_images_are_not_enlarged():
    thumb = open_jpeg(make_thumbnail(data=jpeg(width=40, height=30)))
    assert thumb.size == (40, 30)


def test_png_with_alpha_becomes_rgb_on_white():
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    img.paste(Image.new("RGBA", (32, 64), RED + (255,)), (0, 0))
    thumb = open_jpeg(make_thumbnail(data=encode(img, "PNG")))
    assert thumb.mode == "RGB"
    assert near(thumb.getpixel((50, 32)), (255, 255, 255), tol=10)
    assert near(thumb.getpixel((10, 32)), RED)


def test_palette_png_and_webp():
    assert open_jpeg(make_thumbnail(data=encode(split_image(width=50, height=50, mode="P"), "PNG"))).mode == "RGB"
    assert open_jpeg(make_thumbnail(data=encode(split_image(width=500, height=250), "WEBP"))).size == (320, 160)


def test_refuses_what_inspection_refuses():
    with pytest.raises(PhotoError) as caught:
        make_thumbnail(data=png_header_only(width=100_000, height=100_000))
    assert caught.value.code == "too_many_pixels"
    with pytest.raises(PhotoError) as caught:
        make_thumbnail(data=b"GIF89a" + b"\x00" * 20)
    assert caught.value.code == "unsupported_type"


@pytest.mark.parametrize("bad", [0, 8, 10_000, "320", True])
def test_bad_max_side(bad):
    with pytest.raises(ValueError, match="max_side"):
        make_thumbnail(data=jpeg(), max_side=bad)
