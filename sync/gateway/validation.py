"""Schema and authorisation of field documents pushed by tablets (contract §5).

`refusal(doc=, access=, existing=)` → None when the doc may be stored, else the reason (naming
the field at fault). Deletions of a field doc of an assigned inspection are allowed.
"""
from __future__ import annotations

import base64
import binascii
import functools
import math
import re
from datetime import datetime
from typing import Any

import checklists
from checklists import engine
from django.conf import settings

from .access import Access, DocRef
from .models import PUBLIC_SCOPE

try:  # the media helper's label code checker, when present
    from media.labels import parse_label_code as _parse_label_code
except ImportError:  # pragma: no cover - media not installed
    _parse_label_code = None

FIELD_TYPES = ("answer", "photo", "quicktest", "sample", "closeout")
SERVER_TYPES = ("checklist", "inspection", "unqualified-product")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ID_PATTERNS = {
    "answer": re.compile(rf"answer:({_UUID}):([A-Za-z0-9_.-]{{1,64}})"),
    "photo": re.compile(rf"photo:{_UUID}"),
    "quicktest": re.compile(rf"quicktest:{_UUID}"),
    "sample": re.compile(r"sample:(.{1,64})"),
    "closeout": re.compile(rf"closeout:({_UUID})"),
}
ID_HINTS = {
    "answer": "answer:{inspection_id}:{item_code}",
    "photo": "photo:{uuid}",
    "quicktest": "quicktest:{uuid}",
    "sample": "sample:{label_code}",
    "closeout": "closeout:{inspection_id}",
}
TIME_FIELDS = {
    "answer": "answered_at", "photo": "taken_at", "quicktest": "measured_at", "sample": "sealed_at",
    "closeout": "finished_at",
}
ATTACHMENTS = {
    "photo": {"image": ("image/jpeg", "image/png", "image/webp")},
    "closeout": {"signature": ("image/png",)},
}
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
MAX_DOC_ID = 255
MAX_TEXT = 2000


@functools.lru_cache(maxsize=64)
def checklist_items(checklist_id: str) -> dict[str, dict]:
    """Items of a published checklist by code (published versions never change)."""
    doc = checklists.get(checklist_id)
    if doc is None:
        return {}
    return {item["code"]: item for section in doc.get("sections", []) for item in section.get("items", [])}


def is_iso_with_offset(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None


def _text(doc: dict, name: str, *, required: bool, max_length: int = MAX_TEXT) -> str | None:
    value = doc.get(name)
    if value is None:
        return f"{name}: 必填 (required)" if required else None
    if not isinstance(value, str):
        return f"{name}: 必须是字符串 (expected a string)"
    if required and not value.strip():
        return f"{name}: 不能为空 (must not be empty)"
    if len(value) > max_length:
        return f"{name}: 不得超过 {max_length} 个字符"
    return None


def _string_object(doc: dict, name: str, keys: tuple[str, ...], *, required_keys: tuple[str, ...] = ()) -> str | None:
    value = doc.get(name)
    if not isinstance(value, dict):
        return f"{name}: 必须是对象 {{{', '.join(keys)}}} (expected an object)"
    for key in keys:
        item = value.get(key)
        if item is None:
            if key in required_keys:
                return f"{name}.{key}: 必填 (required)"
            continue
        if not isinstance(item, str) or len(item) > 500:
            return f"{name}.{key}: 必须是不超过 500 个字符的字符串"
    return None


def _attachment_size(att: dict) -> int | None:
    data = att.get("data")
    if isinstance(data, str):
        padding = len(data) - len(data.rstrip("="))
        return len(data) * 3 // 4 - padding
    length = att.get("length")
    return length if isinstance(length, int) else None


def _attachments(doc: dict, doc_type: str) -> str | None:
    atts = doc.get("_attachments")
    if atts is None:
        return None
    if not isinstance(atts, dict):
        return "_attachments: 必须是对象"
    allowed = ATTACHMENTS.get(doc_type, {})
    for name, att in atts.items():
        if name not in allowed:
            names = "、".join(allowed) or "无"
            return f"_attachments.{name}: {doc_type} 文档不接受此附件（允许：{names}）"
        if not isinstance(att, dict):
            return f"_attachments.{name}: 必须是对象"
        content_type = att.get("content_type")
        if content_type not in allowed[name]:
            return f"_attachments.{name}.content_type: 须为 {' | '.join(allowed[name])}，收到 {content_type!r}"
        size = _attachment_size(att)
        if size is None and not att.get("stub") and not att.get("follows"):
            return f"_attachments.{name}: 缺少 data"
        if size is not None and size > settings.MAX_PHOTO_BYTES:
            return f"_attachments.{name}: {size} 字节，超过上限 {settings.MAX_PHOTO_BYTES} 字节"
        data = att.get("data")
        if isinstance(data, str):
            try:
                head = base64.b64decode(data[:16] + "=" * (-len(data[:16]) % 4), validate=True)
            except (binascii.Error, ValueError):
                return f"_attachments.{name}.data: 不是有效的 base64"
            if not any(head.startswith(magic) for magic in MAGIC[content_type]) or (
                content_type == "image/webp" and head[8:12] != b"WEBP"
            ):
                return f"_attachments.{name}: 内容不是 {content_type} 图像"
    return None


def _answer(doc: dict, items: dict[str, dict], match: re.Match) -> str | None:
    item_code = doc.get("item_code")
    if not isinstance(item_code, str):
        return "item_code: 必填字符串 (required)"
    if match.group(2) != item_code:
        return f"_id: 应为 answer:{doc.get('inspection_id')}:{item_code}"
    item = items.get(item_code)
    if item is None:
        return f"item_code: 检查表中没有检查项 {item_code!r}"
    if "value" not in doc:
        return "value: 必填 (required)"
    problem = checklists.validate_answer_value(item=item, value=doc["value"])
    if problem:
        return f"value: {problem}"
    return _text(doc, "note", required=False)


def _photo(doc: dict, items: dict[str, dict], match: re.Match) -> str | None:
    item_code = doc.get("item_code")
    if item_code is not None and (not isinstance(item_code, str) or item_code not in items):
        return f"item_code: 检查表中没有检查项 {item_code!r}"
    sha = doc.get("sha256")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        return "sha256: 必须是 64 位小写十六进制 (hex of the image bytes)"
    return _text(doc, "caption", required=False)


def _quicktest(doc: dict, items: dict[str, dict], match: re.Match) -> str | None:
    item_code = doc.get("item_code")
    item = items.get(item_code) if isinstance(item_code, str) else None
    if item is None:
        return f"item_code: 检查表中没有检查项 {item_code!r}"
    if item.get("kind") != "quicktest":
        return f"item_code: 检查项 {item_code} 不是快检项"
    if doc.get("method") != item.get("method"):
        return f"method: 检查项 {item_code} 的快检方法为 {item.get('method')!r}，收到 {doc.get('method')!r}"
    if not isinstance(doc.get("inputs"), dict):
        return "inputs: 必须是对象"
    try:
        engine.check_inputs(method=doc["method"], inputs=doc["inputs"])
    except engine.InputError as exc:
        return f"{exc.field}: {exc.message}"
    problem = _string_object(doc, "instrument", ("model", "serial"))
    if problem:
        return problem
    verdict = doc.get("device_verdict")
    if verdict is not None and verdict not in ("pass", "fail", "invalid"):
        return "device_verdict: 须为 pass | fail | invalid"
    return None


def _sample(doc: dict, items: dict[str, dict], match: re.Match) -> str | None:
    label = doc.get("label_code")
    if not isinstance(label, str):
        return "label_code: 必填字符串 (required)"
    if match.group(1) != label:
        return f"_id: 应为 sample:{label}"
    if _parse_label_code is not None:
        try:
            parsed = _parse_label_code(label)
        except ValueError as exc:
            return str(exc)
        if parsed["code"] != label:
            return f"label_code: 应写作规范形式 {parsed['code']}"
    problem = _string_object(
        doc, "product", ("name", "model", "batch", "brand", "manufacturer", "production_date", "scanned_code"),
        required_keys=("name",),
    )
    if problem:
        return problem
    quantity = doc.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not math.isfinite(quantity) or quantity <= 0:
        return "quantity: 必须是正数"
    problem = _text(doc, "unit", required=True, max_length=20)
    if problem:
        return problem
    photo_ids = doc.get("photo_ids", [])
    if not isinstance(photo_ids, list) or not all(isinstance(p, str) and ID_PATTERNS["photo"].fullmatch(p) for p in photo_ids):
        return "photo_ids: 必须是 photo:{uuid} 字符串列表"
    return None


def _closeout(doc: dict, items: dict[str, dict], match: re.Match) -> str | None:
    if match.group(1) != doc.get("inspection_id"):
        return f"_id: 应为 closeout:{doc.get('inspection_id')}"
    problem = _text(doc, "summary", required=False, max_length=10_000)
    if problem:
        return problem
    return _string_object(doc, "representative", ("name", "title"), required_keys=("name",))


CHECKS = {"answer": _answer, "photo": _photo, "quicktest": _quicktest, "sample": _sample, "closeout": _closeout}


def inspection_of(doc: dict) -> str | None:
    """The inspection a pushed doc belongs to: its `inspection_id`, else what its `_id` names."""
    inspection_id = doc.get("inspection_id")
    if isinstance(inspection_id, str):
        return inspection_id
    for doc_type in ("answer", "closeout"):
        match = ID_PATTERNS[doc_type].fullmatch(str(doc.get("_id", "")))
        if match:
            return match.group(1)
    return None


def field_scope(doc: dict) -> str:
    """The index scope of a field doc: its inspection; one naming none is seen by administrators only."""
    return inspection_of(doc) or PUBLIC_SCOPE + ":none"


def _deletion(doc: dict, access: Access, existing: DocRef | None) -> str | None:
    if existing is not None:
        if existing.doc_type not in FIELD_TYPES:
            return f"{existing.doc_type} 文档由服务器维护，不能删除"
        if access.checklist_for_write(existing.scope) is None:
            return "该文档属于未分派给你的检查，不能删除"
        return None
    inspection_id = inspection_of(doc)
    if access.checklist_for_write(inspection_id) is None:
        return "不能删除服务器上不存在或不属于你的检查的文档"
    return None


def refusal(*, doc: dict, access: Access, existing: DocRef | None) -> str | None:
    """Why this pushed doc may not be stored, or None."""
    if access.read_only:
        return f"角色 {access.role} 为只读，不能上传文档 (read-only)"
    doc_id = doc["_id"]
    if doc_id.startswith("_design/"):
        return "不能上传设计文档 (design documents are not accepted)"
    if len(doc_id) > MAX_DOC_ID:
        return f"_id: 不得超过 {MAX_DOC_ID} 个字符"
    if doc.get("_deleted") is True:
        return _deletion(doc, access, existing)
    doc_type = doc.get("type")
    if doc_type in SERVER_TYPES:
        return f"type: {doc_type} 文档由服务器发布，平板只读"
    if doc_type not in FIELD_TYPES:
        return f"type: 未知文档类型 {doc_type!r}（可选：{' | '.join(FIELD_TYPES)}）"
    match = ID_PATTERNS[doc_type].fullmatch(doc_id)
    if match is None:
        return f"_id: {doc_type} 文档的 _id 应为 {ID_HINTS[doc_type]}，收到 {doc_id!r}"
    inspection_id = doc.get("inspection_id")
    checklist_id = access.checklist_for_write(inspection_id)
    if checklist_id is None:
        return f"inspection_id: 检查 {inspection_id!r} 未分派给你"
    if doc_type == "answer" and match.group(1) != inspection_id:
        return f"_id: 应为 answer:{inspection_id}:{doc.get('item_code')}"
    if existing is not None and (existing.scope != inspection_id or existing.doc_type != doc_type):
        return "_id: 已被另一检查或另一类型的文档使用"
    if doc.get("author") != access.username:
        return f"author: 必须是你的用户名 {access.username!r}，收到 {doc.get('author')!r}"
    problem = _text(doc, "device_id", required=True, max_length=200)
    if problem:
        return problem
    time_field = TIME_FIELDS[doc_type]
    if not is_iso_with_offset(doc.get(time_field)):
        return f"{time_field}: 必须是带时区偏移的 ISO 8601 时间，如 2019-07-01T09:30:00+08:00"
    problem = _attachments(doc, doc_type)
    if problem:
        return problem
    items = checklist_items(checklist_id)
    return CHECKS[doc_type](doc, items, match)
