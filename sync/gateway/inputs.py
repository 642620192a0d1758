"""Every check the gateway makes on what a client sends, in one place: the body's Content-Type, JSON
(depth, NaN, lone surrogates), query parameters (types and ranges), ids and revisions, and the
CouchDB special members (`_rev`, `_revisions`, `_attachments`, …) of a pushed doc, checked before
the store ever sees them (pouchdb-server answers 500 for some malformed docs, stores others with a
corrupted revision such as `NaN-undefined`, and stalls the whole database on an attachment whose
`data` is not a string).

Every refusal is a 4xx naming the parameter, the field or the limit. Limits (README "Hostile input
and faults (sync)"):

| limit | value |
|---|---|
| body size | `DATA_UPLOAD_MAX_MEMORY_SIZE` (413) |
| JSON nesting of a request body | `MAX_BODY_DEPTH` = 1,000 levels (400) |
| JSON nesting inside one pushed doc or a `_local` doc | `MAX_DOC_DEPTH` = 32 levels (that doc refused alone; 400 for `_local`) |
| items in `_revs_diff`, `_bulk_get`, `_all_docs` keys, `doc_ids` | `MAX_ITEMS` = 10,000 (400) |
| revisions per id in `_revs_diff`, `open_revs`, `atts_since` | `MAX_REVS` = 1,000 (400) |
| doc id / `_local` id | 255 characters |
| integer query parameters | 0 … 2^31−1 (`since`: 0 … 2^63−1) |
"""
from __future__ import annotations

import binascii
import json
import re
import sys
from dataclasses import dataclass
from typing import Any

import orjson

from django.conf import settings

from .http import GatewayError, bad_request, read_body

MAX_BODY_DEPTH = 1_000  # below orjson's own limit (1,024)
# The standard parser (bodies orjson declines: integers over 64 bits, lone surrogates) recurses once
# per level: room for MAX_BODY_DEPTH levels on top of a request's own stack.
if sys.getrecursionlimit() < MAX_BODY_DEPTH + 500:
    sys.setrecursionlimit(MAX_BODY_DEPTH + 500)
MAX_DOC_DEPTH = 32
MAX_ITEMS = 10_000
MAX_REVS = 1_000
MAX_ID_LENGTH = 255
MAX_INT = 2**31 - 1
MAX_SEQ = 2**63 - 1

REV_RE = re.compile(r"[1-9][0-9]{0,8}-[0-9a-zA-Z]{1,64}")
REV_HASH_RE = re.compile(r"[0-9a-zA-Z]{1,64}")
# A `\uD800`–`\uDFFF` escape: only then can a parsed string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
JSON_TYPES = ("application/json",)


# --- text -------------------------------------------------------------------------------------------

def text_ok(value: str) -> bool:
    """No NUL character (PostgreSQL cannot hold one) and no lone UTF-16 surrogate (not Unicode text:
    no database, no UTF-8 encoder and no CouchDB takes one)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_problem(value: Any, path: str = "") -> str | None:
    """The path of the first string or key in `value` that is not clean text (text_ok), else None.
    Iterative: any depth."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not text_ok(item):
                return where or "value"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if not text_ok(key):
                    return child_path.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return None


def describe_text_problem(where: str) -> str:
    return f"{_printable(where)}: 含有 NUL 字符或孤立的 UTF-16 代理项，不是有效文本 (NUL or lone surrogate)"


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def may_hold_bad_text(raw: bytes | None) -> bool:
    """Whether a JSON text can decode to a string with NUL or a lone surrogate (a cheap scan of the
    raw bytes: most bodies hold neither escape)."""
    return raw is None or b"\\u0000" in raw or b"\x00" in raw or _SURROGATE_ESCAPE.search(raw) is not None


def storable_id(value: Any) -> bool:
    """An id that can be looked up in (and could be in) the access index."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and text_ok(value)


# --- JSON -------------------------------------------------------------------------------------------

def depth_of(value: Any, *, limit: int) -> int:
    """Nesting depth of a parsed value (a scalar is 0, `[]` is 1), counted up to limit + 1. Iterative."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _raw_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the brackets of a JSON text nest deeper than `limit` (strings skipped), without parsing."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for token in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', raw):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def _too_deep(what: str) -> GatewayError:
    return bad_request(f"{what}: JSON 嵌套超过 {MAX_BODY_DEPTH} 层上限 (nested deeper than {MAX_BODY_DEPTH} levels)")


def _no_constant(name: str):
    raise ValueError(f"{name} 不是 JSON")


def parse_json(raw: bytes, *, what: str = "request body") -> Any:
    """Parse a request body: at most MAX_BODY_DEPTH levels, no NaN/Infinity. Strings may hold NUL or
    lone surrogates (the standard parser takes them): callers check what they use (text_problem,
    storable_id), so that one bad doc of a batch is refused alone."""
    if not raw or not raw.strip():
        raise bad_request(f"{what}: 缺少 JSON (empty body)")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc):
            raise _too_deep(what) from None
        # beyond orjson: integers over 64 bits, lone surrogates, or not JSON: the standard parser
        # decides, after a depth check that needs no recursion
        if _raw_depth_exceeds(raw, MAX_BODY_DEPTH):
            raise _too_deep(what) from None
        try:
            value = json.loads(raw, parse_constant=_no_constant)
        except RecursionError:  # the standard parser's own limit is a little lower: same answer
            raise _too_deep(what) from None
        except (ValueError, UnicodeDecodeError) as exc2:
            raise bad_request(f"{what}: 不是有效的 JSON ({_printable(str(exc2))[:200]})") from None
    # Only a body with more brackets than the limit can nest deeper (a batch of 100 field docs has
    # ~700): the walk is skipped for the bodies tablets send.
    if raw.count(b"[") + raw.count(b"{") > MAX_BODY_DEPTH and depth_of(value, limit=MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
        raise _too_deep(what)
    return value


def check_content_type(request, *, also: tuple[str, ...] = ()) -> str:
    """The request's media type, when it is JSON (or one of `also`); else 415. Checked before the
    body is read. A request without a body may name any type or none."""
    content_type = request.META.get("CONTENT_TYPE") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in JSON_TYPES or media_type in also:
        return media_type
    if not _has_body(request):
        return media_type
    allowed = " 或 ".join(JSON_TYPES + also)
    raise GatewayError(415, "bad_content_type",
                       f"Content-Type: 须为 {allowed}，收到 {_printable(content_type)[:100] or '(无)'!r}")


def _has_body(request) -> bool:
    length = request.META.get("CONTENT_LENGTH")
    if length not in (None, "", "0"):
        return True
    return "chunked" in (request.META.get("HTTP_TRANSFER_ENCODING") or "").lower()


def json_body(request, *, what: str = "request body", optional: bool = False) -> Any:
    """Content-Type checked, body read (size limit), JSON parsed (depth limit). `optional`: an empty
    body is {}."""
    check_content_type(request)
    raw = read_body(request)
    if optional and not raw.strip():
        return {}
    return parse_json(raw, what=what)


def json_object(request, *, what: str = "request body", optional: bool = False) -> dict:
    value = json_body(request, what=what, optional=optional)
    if not isinstance(value, dict):
        raise bad_request(f"{what}: 必须是 JSON 对象 (expected a JSON object)")
    return value


def item_count(items: list, name: str, *, limit: int = MAX_ITEMS) -> None:
    if len(items) > limit:
        raise bad_request(f"{name}: 最多 {limit} 项，收到 {len(items)} 项 (too many items)")


# --- query parameters --------------------------------------------------------------------------------

def _value(request, name: str) -> str | None:
    return request.GET.get(name)


def query_bool(request, name: str, default: bool = False) -> bool:
    raw = _value(request, name)
    if raw is None or raw == "":
        return default
    if raw in ("true", "True", "1"):
        return True
    if raw in ("false", "False", "0"):
        return False
    raise bad_request(f"{name}: 应为 true 或 false，收到 {_printable(raw)[:50]!r}")


def parse_int(raw: str, name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    text = raw.strip()
    if not text or len(text) > 20 or not (text.isascii() and text.lstrip("-").isdigit()):
        raise bad_request(f"{name}: 应为 {minimum} 到 {maximum} 之间的整数，收到 {_printable(raw)[:50]!r}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise bad_request(f"{name}: 应在 {minimum} 到 {maximum} 之间，收到 {text}")
    return value


def query_int(request, name: str, default: int | None = None, *, minimum: int = 0,
              maximum: int = MAX_INT) -> int | None:
    raw = _value(request, name)
    if raw is None or raw == "":
        return default
    return parse_int(raw, name, minimum=minimum, maximum=maximum)


def valid_rev(value: Any) -> bool:
    return isinstance(value, str) and REV_RE.fullmatch(value) is not None


def query_rev(request, name: str = "rev") -> str | None:
    raw = _value(request, name)
    if raw is None or raw == "":
        return None
    if not valid_rev(raw):
        raise bad_request(f"{name}: 修订号格式无效 {_printable(raw)[:80]!r}（应如 1-abc123）")
    return raw


def json_param(request, name: str) -> Any:
    raw = _value(request, name)
    if raw is None:
        return None
    if len(raw) > 1024 * 1024:
        raise bad_request(f"{name}: 过长")
    try:
        return parse_json(raw.encode("utf-8", "surrogatepass"), what=name)
    except GatewayError:
        raise bad_request(f"{name}: 不是有效的 JSON") from None


def rev_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(valid_rev(rev) for rev in value):
        raise bad_request(f"{name}: 必须是修订号数组，如 [\"1-abc\"]")
    item_count(value, name, limit=MAX_REVS)
    return value


def query_open_revs(request) -> str | None:
    """`open_revs`: "all" or a JSON array of revisions."""
    raw = _value(request, "open_revs")
    if raw is None:
        return None
    if raw == "all":
        return raw
    rev_list(json_param(request, "open_revs"), "open_revs")
    return raw


def query_string_list(request, name: str) -> list[str] | None:
    raw = json_param(request, name)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise bad_request(f"{name}: 必须是字符串数组")
    item_count(raw, name)
    return raw


# Parameters of document reads that are forwarded to the store, each with its check; anything else
# in the query is dropped (CouchDB ignores unknown parameters too). `latest=true` is never forwarded:
# pouchdb-server 4.2 stalls a database on `latest=true` with a revision it does not hold.
_BOOL_PARAMS = ("revs", "revs_info", "conflicts", "deleted_conflicts", "attachments", "att_encoding_info",
                "local_seq", "meta", "include_docs", "descending", "update_seq", "inclusive_end")


def forwarded_doc_params(request, *, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    """The checked query parameters of a read, as (name, value) pairs for the store. Booleans are
    forwarded as true/false, revisions and JSON arrays as given once checked."""
    out: list[tuple[str, str]] = []
    for name in allowed:
        if name not in request.GET:
            continue
        if name in _BOOL_PARAMS:
            out.append((name, "true" if query_bool(request, name) else "false"))
        elif name == "rev":
            rev = query_rev(request)
            if rev is not None:
                out.append((name, rev))
        elif name == "open_revs":
            out.append((name, query_open_revs(request)))
        elif name == "atts_since":
            rev_list(json_param(request, name), name)
            out.append((name, request.GET[name]))
        elif name in ("limit", "skip"):
            out.append((name, str(query_int(request, name))))
        else:  # pragma: no cover - every allowed name has a check above
            raise AssertionError(name)
    return out


# --- _changes ----------------------------------------------------------------------------------------

@dataclass
class ChangesQuery:
    feed: str
    all_docs: bool
    since: int | None  # None: "now"
    limit: int | None
    include_docs: bool
    conflicts: bool
    doc_ids: set[str] | None
    heartbeat_ms: int | None
    timeout_ms: int


DEFAULT_HEARTBEAT_MS = 60_000
MAX_TIMEOUT_MS = 60_000  # a feed without heartbeats: a silent connection needs a bound


def heartbeat_feed_max_ms() -> int:
    """How long a feed with heartbeats may wait (its default timeout too). CouchDB keeps such a feed
    open indefinitely ("heartbeat overrides any timeout"); we bound it at SYNC_FEED_MAX_WAIT_S (300 s)
    so that a waiting tablet costs one request per five minutes, not one a minute, while a dead
    connection is still found by the next heartbeat's failed write."""
    return int(float(getattr(settings, "SYNC_FEED_MAX_WAIT_S", 300.0)) * 1000)


def changes_since_param(raw: str | None) -> int | None:
    """`since`: a gateway seq (0 … 2^63−1) or "now" (None)."""
    if raw is None or raw == "":
        return 0
    text = raw.strip().strip('"')
    if text == "now":
        return None
    return parse_int(text, "since", minimum=0, maximum=MAX_SEQ)


def changes_query(request, body: dict | None) -> ChangesQuery:
    """Every parameter of a _changes request checked (400 naming the parameter)."""
    feed = request.GET.get("feed", "normal") or "normal"
    if feed not in ("normal", "longpoll", "continuous"):
        raise bad_request(f"feed: 只支持 normal | longpoll | continuous，收到 {_printable(feed)[:50]!r}")
    style = request.GET.get("style", "main_only") or "main_only"
    if style not in ("main_only", "all_docs"):
        raise bad_request(f"style: 只支持 main_only | all_docs，收到 {_printable(style)[:50]!r}")
    limit = query_int(request, "limit", None)
    raw_heartbeat = request.GET.get("heartbeat")
    if raw_heartbeat in (None, "", "false"):
        heartbeat_ms = None
    elif raw_heartbeat == "true":
        heartbeat_ms = DEFAULT_HEARTBEAT_MS
    else:
        heartbeat_ms = query_int(request, "heartbeat", None, minimum=1)
    longest = MAX_TIMEOUT_MS if heartbeat_ms is None else heartbeat_feed_max_ms()
    timeout_ms = min(query_int(request, "timeout", longest), longest)
    return ChangesQuery(
        feed=feed, all_docs=style == "all_docs", since=changes_since_param(request.GET.get("since")),
        limit=1 if limit == 0 else limit, include_docs=query_bool(request, "include_docs"),
        conflicts=query_bool(request, "conflicts"), doc_ids=_changes_doc_ids(request, body),
        heartbeat_ms=heartbeat_ms, timeout_ms=timeout_ms,
    )


def _changes_doc_ids(request, body: dict | None) -> set[str] | None:
    if request.GET.get("filter") in (None, ""):
        return None
    if request.GET["filter"] != "_doc_ids":
        raise bad_request(f"filter: 只支持 _doc_ids，收到 {_printable(request.GET['filter'])[:50]!r}")
    ids = body.get("doc_ids") if body else None
    if ids is None and "doc_ids" in request.GET:
        ids = json_param(request, "doc_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("doc_ids: 必须是字符串数组")
    item_count(ids, "doc_ids")
    return {doc_id for doc_id in ids if storable_id(doc_id)}  # others can match nothing


# --- pushed docs: CouchDB's special members -------------------------------------------------------

# What a tablet may send. CouchDB and PouchDB know more (_conflicts, _deleted_conflicts, _revs_info,
# _local_seq, _rev_tree…): they are metadata the store computes, never sent by a replicating client,
# and pouchdb-server takes some of them as its own revision tree.
SPECIAL_MEMBERS = ("_id", "_rev", "_deleted", "_attachments", "_revisions")
ATTACHMENT_KEYS = {"content_type", "data", "stub", "digest", "length", "revpos", "encoding", "encoded_length"}


def doc_shape_problem(doc: dict) -> tuple[str, str] | None:
    """(error, reason) when a pushed doc is malformed for the store itself, else None: unknown or
    malformed special members, attachments the store would choke on, strings that are not text,
    nesting deeper than MAX_DOC_DEPTH. `error` is "bad_request" for a malformed revision (as CouchDB
    answers), else "forbidden" (PouchDB reports the doc as denied and goes on)."""
    for key in doc:
        if isinstance(key, str) and key.startswith("_") and key not in SPECIAL_MEMBERS:
            return "forbidden", f"{_printable(key)[:80]}: 不允许的特殊字段 (only {', '.join(SPECIAL_MEMBERS)})"
    doc_id = doc["_id"]
    if not text_ok(doc_id):
        return "forbidden", describe_text_problem("_id")
    if len(doc_id) > MAX_ID_LENGTH:
        return "forbidden", f"_id: 不得超过 {MAX_ID_LENGTH} 个字符"
    if doc_id.startswith("_") and not doc_id.startswith("_design/"):
        return "forbidden", "_id: 只有保留 id 可以以下划线开头 (illegal docid)"
    rev = doc.get("_rev")
    if rev is not None and not valid_rev(rev):
        return "bad_request", f"_rev: 格式无效 {_printable(str(rev))[:80]!r}"
    if "_deleted" in doc and not isinstance(doc["_deleted"], bool):
        return "forbidden", "_deleted: 必须是 true 或 false"
    problem = _revisions_problem(doc)
    if problem:
        return "bad_request", problem
    problem = _attachments_problem(doc.get("_attachments"))
    if problem:
        return "forbidden", problem
    if depth_of(doc, limit=MAX_DOC_DEPTH) > MAX_DOC_DEPTH:
        return "forbidden", f"文档 JSON 嵌套超过 {MAX_DOC_DEPTH} 层上限 (nested deeper than {MAX_DOC_DEPTH} levels)"
    return None


def _revisions_problem(doc: dict) -> str | None:
    if "_revisions" not in doc:
        return None
    revisions = doc["_revisions"]
    if not isinstance(revisions, dict) or set(revisions) - {"start", "ids"}:
        return "_revisions: 必须是 {\"start\", \"ids\"}"
    start, ids = revisions.get("start"), revisions.get("ids")
    if isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= 999_999_999:
        return "_revisions.start: 必须是 1 到 999999999 的整数"
    if not isinstance(ids, list) or not ids or not all(isinstance(h, str) and REV_HASH_RE.fullmatch(h) for h in ids):
        return "_revisions.ids: 必须是非空的修订哈希数组"
    if len(ids) > min(start, MAX_REVS):
        return f"_revisions.ids: 最多 {min(start, MAX_REVS)} 项"
    rev = doc.get("_rev")
    if rev is not None and rev != f"{start}-{ids[0]}":
        return f"_revisions: 与 _rev {rev} 不一致（应为 start={rev.split('-')[0]}, ids[0]={rev.split('-', 1)[1]}）"
    return None


def _attachments_problem(atts: Any) -> str | None:
    if atts is None:
        return None
    if not isinstance(atts, dict):
        return "_attachments: 必须是对象"
    for name, att in atts.items():
        where = f"_attachments.{_printable(name)[:80]}"
        if not name or name.startswith("_") or len(name) > MAX_ID_LENGTH:
            return f"{where}: 附件名不能为空、不能以下划线开头、不得超过 {MAX_ID_LENGTH} 个字符"
        if not isinstance(att, dict):
            return f"{where}: 必须是对象"
        unknown = set(att) - ATTACHMENT_KEYS
        if unknown:
            return f"{where}.{_printable(sorted(unknown)[0])[:40]}: 未知的附件字段"
        if "content_type" in att and not isinstance(att["content_type"], str):
            return f"{where}.content_type: 必须是字符串"
        for key in ("digest", "encoding"):
            if key in att and not isinstance(att[key], str):
                return f"{where}.{key}: 必须是字符串"
        for key in ("length", "revpos", "encoded_length"):
            value = att.get(key)
            if key in att and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**53):
                return f"{where}.{key}: 必须是非负整数"
        if "data" in att:
            if att.get("stub"):
                return f"{where}: data 与 stub 不能同时出现"
            data = att["data"]
            if not isinstance(data, str):
                return f"{where}.data: 必须是 base64 字符串"
            try:
                binascii.a2b_base64(data.encode("ascii"), strict_mode=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                return f"{where}.data: 不是有效的 base64"
            if "content_type" not in att:
                return f"{where}.content_type: 必填"
        elif att.get("stub") is not True:
            return f"{where}: 需要 data，或 \"stub\": true"
    return None


def describe_id(doc_id: str) -> str:
    """An id as it can be shown in a reason (lone surrogates escaped, cut to 100 characters)."""
    return _printable(doc_id)[:100]
