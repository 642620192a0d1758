"""Field data for review tests, written as server.dossiers rows directly (the reconciler's job in
production), so reviews can be tested without a sync store."""
from __future__ import annotations

import uuid

from server.dossiers.models import Answer, Closeout, DocConflict, Dossier, DossierStatus, QuickTest
from server.inspections.models import Inspection


def set_status(inspection: Inspection, status: str) -> None:
    Dossier.objects.filter(pk=inspection.pk).update(status=status)


def answer(inspection: Inspection, item_code: str, value, *, author: str = "inspector", note: str = "") -> Answer:
    return Answer.objects.create(
        doc_id=f"answer:{inspection.pk}:{item_code}", rev=f"1-{uuid.uuid4().hex}", inspection=inspection,
        item_code=item_code, value=value, note=note, author=author, answered_at="2019-07-01T10:00:00+08:00",
    )


def quicktest(inspection: Inspection, *, verdict: str = "fail", item_code: str = "cr-1") -> QuickTest:
    return QuickTest.objects.create(
        doc_id=f"quicktest:{uuid.uuid4()}", rev="1-a", inspection=inspection, item_code=item_code,
        method="conductor-resistance", inputs={"material": "copper"}, verdict=verdict,
        result={"value": 7.9, "unit": "Ω/km"}, limit={"value": 7.41, "unit": "Ω/km"}, basis="GB/T 3956 表2",
        measured_at="2019-07-01T10:30:00+08:00",
    )


def conflict(inspection: Inspection, item_code: str = "mark-1", values=(True, False)) -> DocConflict:
    doc_id = f"answer:{inspection.pk}:{item_code}"
    revs = [f"2-{uuid.uuid4().hex}" for _ in values]
    revisions = [
        {"rev": rev, "winning": i == 0, "author": f"insp{i}", "value": value, "answered_at": "2019-07-01T10:00:00+08:00",
         "body": {"_id": doc_id, "type": "answer", "item_code": item_code, "value": value}}
        for i, (rev, value) in enumerate(zip(revs, values))
    ]
    return DocConflict.objects.create(
        doc_id=doc_id, doc_type="answer", inspection=inspection, winning_rev=revs[0], revisions=revisions,
    )


def closeout(inspection: Inspection) -> Closeout:
    return Closeout.objects.create(
        doc_id=f"closeout:{inspection.pk}", rev="1-c", inspection=inspection,
        finished_at="2019-07-01T12:00:00+08:00", summary="现场检查完毕，发现标志不规范。",
        representative={"name": "张三", "title": "厂长"}, author="inspector",
    )


def submitted(inspection: Inspection) -> Inspection:
    closeout(inspection)
    set_status(inspection, DossierStatus.SUBMITTED)
    return inspection


def jpeg(colour=(200, 40, 40), size=(640, 480)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def photo(inspection: Inspection, *, item_code: str = "mark-1", colour=(200, 40, 40)):
    """A verified photo with its original blob and thumbnail in default_storage."""
    from media.hashing import sha256_hex
    from media.thumbnails import make_thumbnail
    from server.dossiers import blobs
    from server.dossiers.models import Photo, PhotoStatus

    data = jpeg(colour)
    sha = sha256_hex(data)
    blob, _ = blobs.blob_put(sha256=sha, data=data, mime="image/jpeg")
    thumb = blobs.thumbnail_save(sha256=sha, data=make_thumbnail(data=data))
    return Photo.objects.create(
        doc_id=f"photo:{uuid.uuid4()}", rev="1-p", inspection=inspection, item_code=item_code,
        taken_at="2019-07-01T10:05:00+08:00", sha256=sha, caption="厂名厂址标注", status=PhotoStatus.VERIFIED,
        blob=blob, thumbnail_path=thumb, mime="image/jpeg", width=640, height=480,
        exif={"taken_at": "2019-07-01T10:05:00+08:00", "gps": None},
    )


def sample(inspection: Inspection, label_code: str = "JY-445202-000123-1"):
    from server.dossiers.models import Sample

    return Sample.objects.create(
        doc_id=f"sample:{label_code}", rev="1-s", label_code=label_code, inspection=inspection,
        product={"name": "聚氯乙烯绝缘电线", "model": "BV 2.5", "batch": "20190601", "brand": "粤缆",
                 "manufacturer": "揭阳市测试电缆有限公司"},
        quantity=2, unit="卷", sealed_at="2019-07-01T11:00:00+08:00",
    )


def full(inspection: Inspection) -> Inspection:
    """A submitted dossier with answers, quick tests (pass and fail), photos and a sample."""
    answer(inspection, "cert-1", "ccc")
    answer(inspection, "cert-2", True)
    answer(inspection, "mark-1", False, note="包装上无厂址")
    answer(inspection, "mark-4", 2.5)
    quicktest(inspection, verdict="fail")
    quicktest(inspection, verdict="pass", item_code="it-1")
    photo(inspection)
    photo(inspection, item_code="mark-2", colour=(40, 40, 200))
    sample(inspection)
    return submitted(inspection)


def png_signature() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (100, 20), (180, 70), (290, 30)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
