"""Benchmark: photo ingest per 12-megapixel JPEG (4000 × 3000, with EXIF) through the dossier's photo
job — sha256, media verification (type, header pixel check, one full decode), EXIF, thumbnail with
orientation, content-addressed original, evidence flags, DB rows — against a bare Pillow
decode-and-thumbnail baseline (open, thumbnail(320), save JPEG).

    .venv/bin/python tests/bench/bench_photos.py [--images 5]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def make_12mp_jpeg(seed: int) -> bytes:
    """A 4000 × 3000 JPEG with camera-like EXIF and enough detail to be a few MB."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    from tests.media import media_factories as mf

    rng = random.Random(seed)
    small = Image.frombytes("RGB", (400, 300), bytes(rng.getrandbits(8) for _ in range(400 * 300 * 3)))
    image = small.resize((4000, 3000), Image.Resampling.BICUBIC).filter(ImageFilter.DETAIL)
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(4000), rng.randrange(3000)
        draw.rectangle([x, y, x + rng.randrange(5, 200), y + rng.randrange(5, 200)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    exif = mf.make_exif(taken="2019:07:01 10:00:00", orientation=6)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def baseline(data: bytes, *, full_decode: bool = False) -> float:
    """Bare Pillow: open, thumbnail(320) (which lets libjpeg decode at reduced scale), save JPEG;
    with `full_decode`, the whole image is decoded first (what verifying a truncated file needs)."""
    from PIL import Image

    started = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        if full_decode:
            image.load()
        image.thumbnail((320, 320))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=82)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as tmp:
        os.environ["DATA_DIR"] = tmp
        os.environ["COUCHDB_URL"] = "http://127.0.0.1:9"  # no store: nothing is published anywhere
        os.environ["SYNC_PUBLISH_ON_COMMIT"] = "false"  # and no publish attempts either
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from server.dossiers.models import Photo, PhotoStatus
        from server.dossiers.services import process_photo
        from tests import factories
        from tests.server.dossiers import field_docs as fd

        inspection = factories.inspection()
        author = inspection.inspectors.first().username
        images = [make_12mp_jpeg(seed) for seed in range(args.images)]
        base_times, full_times, ingest_times = [], [], []
        for data in images:
            base_times.append(baseline(data))
            full_times.append(baseline(data, full_decode=True))
            doc = fd.photo(inspection, author=author, data=data, item_code="cert-2")
            fd.fold(doc)
            photo = Photo.objects.get(doc_id=doc["_id"])
            started = time.perf_counter()
            process_photo(photo=photo, fetch_attachment=lambda *, doc_id, max_bytes, _d=data: _d)
            ingest_times.append(time.perf_counter() - started)
            assert photo.status == PhotoStatus.VERIFIED, photo.error
        result = {
            "images": len(images),
            "megapixels": 12.0,
            "mean_jpeg_mb": round(statistics.mean(len(d) for d in images) / 1e6, 2),
            "baseline_ms_per_image": round(statistics.median(base_times) * 1000),
            "baseline_full_decode_ms_per_image": round(statistics.median(full_times) * 1000),
            "ingest_ms_per_image": round(statistics.median(ingest_times) * 1000),
            "ratio_vs_baseline": round(statistics.median(ingest_times) / statistics.median(base_times), 2),
            "ratio_vs_full_decode_baseline": round(statistics.median(ingest_times) / statistics.median(full_times), 2),
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
