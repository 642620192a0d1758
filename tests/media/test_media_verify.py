import io
import os
import time
import warnings

import pytest
from PIL import Image

from media.photos import MAX_PIXELS, PhotoError, inspect_image, sha256_hex
from tests.media.media_factories import encode, jpeg, make_exif, noisy_image, png_header_only, split_image


def refused(data: bytes, **limits) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        inspect_image(data=data, **limits)
    return caught.value


def test_jpeg_with_exif_time_gps_and_orientation():
    data = jpeg(width=400, height=200, exif=make_exif(orientation=6))
    info = inspect_image(data=data)
    assert (info.format, info.mime) == ("JPEG", "image/jpeg")
    assert (info.width, info.height) == (400, 200)
    assert info.display_size == (200, 400)
    assert info.orientation == 6
    assert info.exif_taken_at == "2019-05-06T10:20:30+08:00"
    lat, lon = info.gps
    assert lat == pytest.approx(23 + 32 / 60 + 24 / 3600, abs=1e-6)
    assert lon == pytest.approx(116 + 22 / 60 + 12 / 3600, abs=1e-6)
    assert info.sha256 == sha256_hex(data)
    assert info.size_bytes == len(data)
    assert info.exif_dict() == {"taken_at": info.exif_taken_at, "gps": {"lat": lat, "lon": lon}}


def test_offset_time_original_is_used_and_south_west_are_negative():
    exif = make_exif(offset="-05:00", gps=((33.0, 52.0, 4.0), "S", (151.0, 12.0, 36.0), "W"))
    info = inspect_image(data=jpeg(exif=exif))
    assert info.exif_taken_at == "2019-05-06T10:20:30-05:00"
    assert info.gps[0] < 0 and info.gps[1] < 0


@pytest.mark.parametrize("taken", ["    :  :     :  :  ", "2019:13:45 99:00:00", "garbage"])
def test_unreadable_exif_time_is_none(taken):
    info = inspect_image(data=jpeg(exif=make_exif(taken=taken, gps=None)))
    assert info.exif_taken_at is None
    assert info.gps is None


def test_zero_gps_means_no_fix():
    info = inspect_image(data=jpeg(exif=make_exif(gps=((0.0, 0.0, 0.0), "N", (0.0, 0.0, 0.0), "E"))))
    assert info.gps is None


def test_png_and_webp_accepted_without_exif():
    png = inspect_image(data=encode(split_image(width=30, height=20, mode="RGBA"), "PNG"))
    assert (png.format, png.mime, png.width, png.height) == ("PNG", "image/png", 30, 20)
    assert png.exif_taken_at is None and png.gps is None and png.orientation == 1 and not png.has_exif
    webp = inspect_image(data=encode(split_image(width=50, height=40), "WEBP"))
    assert (webp.format, webp.mime, webp.width, webp.height) == ("WEBP", "image/webp", 50, 40)


def test_webp_exif_is_read():
    data = encode(split_image(width=50, height=40), "WEBP", exif=make_exif(taken="2019:06:01 08:00:00"))
    assert inspect_image(data=data).exif_taken_at == "2019-06-01T08:00:00+08:00"


def test_gif_is_unsupported_type():
    err = refused(encode(split_image(width=10, height=10, mode="P"), "GIF"))
    assert (err.code, err.http_status, err.field) == ("unsupported_type", 415, "file")
    assert "GIF" in err.message


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_unsupported_type(seed):
    data = os.urandom(2048)
    if data[:2] == b"\xff\xd8":  # astronomically unlikely, keep the test deterministic in meaning
        data = b"\x00" + data
    err = refused(data)
    assert (err.code, err.http_status) == ("unsupported_type", 415)


def test_empty_bytes():
    err = refused(b"")
    assert (err.code, err.http_status) == ("empty", 400)


def test_too_large_is_checked_before_anything_else():
    data = jpeg()
    err = refused(data, max_bytes=len(data) - 1)
    assert (err.code, err.http_status) == ("too_large", 413)
    assert inspect_image(data=data, max_bytes=len(data)).format == "JPEG"


def test_truncated_jpeg_is_corrupt():
    data = jpeg(width=256, height=256, noisy=True)
    for cut in (len(data) // 2, len(data) - 200, 300):
        err = refused(data[:cut])
        assert (err.code, err.http_status) == ("corrupt", 400), cut


def test_png_with_damaged_pixel_data_is_corrupt():
    data = bytearray(encode(noisy_image(width=64, height=64), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 10 : start + 60] = b"\xff" * 50
    err = refused(bytes(data))
    assert err.code == "corrupt"


def test_jpeg_magic_followed_by_garbage_is_corrupt():
    err = refused(b"\xff\xd8\xff" + os.urandom(500))
    assert (err.code, err.http_status) == ("corrupt", 400)


@pytest.mark.parametrize("side", [100_000, 65_535])
def test_bomb_header_rejected_fast(side):
    data = png_header_only(width=side, height=side)
    assert len(data) < 200
    started = time.monotonic()
    err = refused(data)
    assert time.monotonic() - started < 1.0
    assert (err.code, err.http_status) == ("too_many_pixels", 413)


def test_pixel_limit_is_ours_not_pillows():
    # 8000 × 8000 = 64 Mpx: under Pillow's own bomb threshold but over our 50 Mpx default.
    assert 8000 * 8000 > MAX_PIXELS
    err = refused(png_header_only(width=8000, height=8000))
    assert err.code == "too_many_pixels"
    small = encode(split_image(width=100, height=100), "PNG")
    assert refused(small, max_pixels=9_999).code == "too_many_pixels"
    assert inspect_image(data=small, max_pixels=10_000).width == 100


def test_pillow_warnings_never_escape():
    # Over Pillow's warning threshold (~89 Mpx) but allowed by our limit: Pillow warns, then
    # the missing pixel data makes it corrupt. Neither the warning nor a raw OSError escapes.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = refused(png_header_only(width=10_000, height=9_000), max_pixels=100_000_000)
    assert err.code == "corrupt"


@pytest.mark.parametrize("bad", [None, "text", 12])
def test_non_bytes_input(bad):
    assert refused(bad).code == "corrupt"


def test_memoryview_input_accepted():
    data = jpeg()
    assert inspect_image(data=memoryview(data)).sha256 == sha256_hex(data)


def test_pillow_globals_untouched():
    before = Image.MAX_IMAGE_PIXELS
    inspect_image(data=jpeg())
    refused(png_header_only(width=100_000, height=100_000))
    assert Image.MAX_IMAGE_PIXELS == before


def test_declared_hash_mismatch_detected():
    from media.photos import verify_declared_hash

    data = jpeg()
    info = inspect_image(data=data)
    assert verify_declared_hash(data=data, declared=info.sha256)
    assert not verify_declared_hash(data=data, declared=sha256_hex(io.BytesIO(data).read()[:-1]))
