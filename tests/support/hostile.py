"""Hostile requests for the sync gateway, drawn from a `random.Random`: used by the property tests
(hypothesis hands them its own seeded Random, so failures shrink and replay) and by the longer
fuzz script tests/fuzz/fuzz_gateway.py (seeded from the command line).

`hostile_request(rnd, ctx)` → HostileRequest(method, path, query, headers, body): every endpoint of
/sync/field/, with valid requests mutated, random JSON, JSON nested deep, lone surrogates and NUL in
ids and fields, huge numbers, wrong or missing Content-Type, truncated or random bytes, and query
parameters with values out of every range.
"""
from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote


def _quote(text: str, safe: str = "") -> str:
    """Percent-encoded UTF-8; a lone surrogate becomes the bytes a careless client would send."""
    return quote(text.encode("utf-8", "surrogatepass"), safe=safe)


@dataclass
class Context:
    """What a request may refer to: the signed-in inspector's inspection, ids already stored."""

    username: str
    inspection_id: str
    known: list[tuple[str, str]] = field(default_factory=list)  # (doc id, rev) in the store


@dataclass
class HostileRequest:
    method: str
    path: str  # below /sync/field/, unescaped
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes | None
    endpoint: str

    def url_path(self) -> str:
        return _quote(self.path, safe="/:@")

    def query_string(self) -> str:
        return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in self.query)

    def describe(self) -> str:
        body = self.body if self.body is None or len(self.body) < 300 else self.body[:300] + b"..."
        return f"{self.method} /sync/field/{self.url_path()}?{self.query_string()} headers={self.headers} body={body!r}"


WEIRD_STRINGS = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\ud83d", "😀", "é", "\u202e", "%00", "../..",
                 "_design/x", "_local/x", "_x", "x" * 300, "\\", '"', "\n", "null", "1-abc", "0-1", "NaN"]
WEIRD_NUMBERS = [0, -1, 1, 2**31, 2**63, 2**64 + 1, 10**30, -10**30, 1.5, 1e308, -0.0]
QUERY_VALUES = ["", "0", "-1", "1", "99999999999999999999", "2147483648", "9223372036854775808", "1e3", "0x10",
                "true", "false", "True", "1.5", "null", "now", '"now"', "[", "]", "[]", '["1-abc"]', '["banana"]',
                "all", "all_docs", "main_only", "longpoll", "continuous", "normal", "eventsource", "１", " 1", "1 ",
                "9" * 400, "NaN", "\ud800", "é", "[" * 500, '{"a":1}', "_doc_ids", "_view"]
PARAMS = ["since", "limit", "timeout", "heartbeat", "feed", "style", "include_docs", "conflicts", "filter", "doc_ids",
          "rev", "revs", "open_revs", "attachments", "atts_since", "latest", "revs_info", "deleted_conflicts",
          "local_seq", "meta", "keys", "key", "startkey", "descending", "skip", "new_edits", "batch", "x"]


def weird_string(rnd: random.Random) -> str:
    choice = rnd.random()
    if choice < 0.5:
        return rnd.choice(WEIRD_STRINGS)
    if choice < 0.8:
        return "".join(chr(rnd.choice([rnd.randint(32, 126), rnd.randint(0, 0x10FFFF)])) for _ in range(rnd.randint(0, 12)))
    return rnd.choice(WEIRD_STRINGS) + rnd.choice(WEIRD_STRINGS)


def random_json(rnd: random.Random, depth: int = 0):
    kind = rnd.randint(0, 7 if depth < 4 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice([True, False])
    if kind == 2:
        return rnd.choice(WEIRD_NUMBERS + [rnd.randint(-1000, 1000)])
    if kind in (3, 4):
        return weird_string(rnd)
    if kind in (5, 6):
        return {weird_string(rnd): random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}
    return [random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


def encode(value) -> bytes:
    """JSON text; lone surrogates as \\uXXXX escapes (as JSON.stringify writes them), big numbers as
    digits."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def rev(rnd: random.Random, n: int = 1) -> str:
    return f"{n}-{rnd.getrandbits(128):032x}"


def valid_field_doc(rnd: random.Random, ctx: Context) -> dict:
    kind = rnd.choice(["answer", "quicktest", "photo", "closeout"])
    common = {"inspection_id": ctx.inspection_id, "author": ctx.username, "device_id": "fuzz"}
    uid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    if kind == "answer":
        code = rnd.choice(["cert-2", "cert-4", "mark-1"])  # boolean items of the wire-cable checklist
        doc = {"_id": f"answer:{ctx.inspection_id}:{code}", "type": "answer", "item_code": code,
               "value": rnd.choice([True, False]), "note": "", "answered_at": "2019-07-01T09:30:00+08:00", **common}
    elif kind == "quicktest":
        doc = {"_id": f"quicktest:{uid}", "type": "quicktest", "item_code": "cr-1", "method": "conductor-resistance",
               "inputs": {"material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
                          "length_m": 100, "measured_ohm": 0.7, "temperature_c": 20},
               "instrument": {"model": "TH2512", "serial": "A1"}, "measured_at": "2019-07-01T10:00:00+08:00", **common}
    elif kind == "photo":
        png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
        import hashlib

        doc = {"_id": f"photo:{uid}", "type": "photo", "item_code": "mark-1", "taken_at": "2019-07-01T09:31:00+08:00",
               "sha256": hashlib.sha256(png).hexdigest(), "caption": "",
               "_attachments": {"image": {"content_type": "image/png", "data": base64.b64encode(png).decode()}},
               **common}
    else:
        doc = {"_id": f"closeout:{ctx.inspection_id}", "type": "closeout", "finished_at": "2019-07-01T12:00:00+08:00",
               "summary": "", "representative": {"name": "张三"}, **common}
    hashes = [f"{rnd.getrandbits(128):032x}"]
    doc["_rev"] = f"1-{hashes[0]}"
    doc["_revisions"] = {"start": 1, "ids": hashes}
    return doc


def mutate(rnd: random.Random, value, depth: int = 0):
    """A copy of a JSON value with one random change somewhere."""
    if isinstance(value, dict) and value and rnd.random() < 0.7:
        key = rnd.choice(list(value))
        copy = dict(value)
        action = rnd.random()
        if action < 0.2:
            del copy[key]
        elif action < 0.35:
            copy[rnd.choice(["_x", "_conflicts", "_deleted_conflicts", "_rev_tree", "_revs_info", "_deleted",
                             "_revisions", "_attachments", weird_string(rnd)])] = random_json(rnd)
        else:
            copy[key] = mutate(rnd, copy[key], depth + 1)
        return copy
    if isinstance(value, list) and value and rnd.random() < 0.7:
        copy = list(value)
        index = rnd.randrange(len(copy))
        copy[index] = mutate(rnd, copy[index], depth + 1)
        return copy
    return random_json(rnd)


def deep_json(rnd: random.Random) -> bytes:
    levels = rnd.choice([100, 255, 257, 1000, 1025, 3000, 20000])
    opener, closer = rnd.choice([(b"[", b"]"), (b'{"a":', b"}")])
    inner = rnd.choice([b"1", b"123456789012345678901234567890", b'"\\ud800"', b"null"])
    return opener * levels + inner + closer * levels


def _body_for(rnd: random.Random, endpoint: str, ctx: Context):
    """A plausible body for the endpoint, as a JSON value."""
    known_id, known_rev = rnd.choice(ctx.known) if ctx.known else ("x", "1-abc")
    if endpoint == "_bulk_docs":
        return {"docs": [valid_field_doc(rnd, ctx) for _ in range(rnd.randint(1, 3))], "new_edits": rnd.random() < 0.3}
    if endpoint == "_revs_diff":
        return {known_id: [known_rev, rev(rnd, 2)], weird_string(rnd): [rev(rnd)]}
    if endpoint == "_bulk_get":
        return {"docs": [{"id": known_id, "rev": known_rev}, {"id": weird_string(rnd)}]}
    if endpoint in ("_all_docs", "_changes"):
        return {"keys": [known_id, weird_string(rnd)], "doc_ids": [known_id, weird_string(rnd)]}
    if endpoint == "_local":
        return {"session_id": weird_string(rnd), "last_seq": rnd.choice(WEIRD_NUMBERS), "history": []}
    if endpoint == "doc":
        return valid_field_doc(rnd, ctx)
    return {}


def body(rnd: random.Random, endpoint: str, ctx: Context) -> bytes:
    choice = rnd.random()
    if choice < 0.45:
        value = _body_for(rnd, endpoint, ctx)
        for _ in range(rnd.randint(1, 3)):
            value = mutate(rnd, value)
        return encode(value)
    if choice < 0.55:
        return encode(_body_for(rnd, endpoint, ctx))
    if choice < 0.65:
        return deep_json(rnd)
    if choice < 0.75:
        return encode(random_json(rnd))
    if choice < 0.82:
        raw = encode(_body_for(rnd, endpoint, ctx))
        return raw[: rnd.randrange(len(raw) + 1)]
    if choice < 0.88:
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 64)))
    if choice < 0.94:
        return rnd.choice([b"", b"NaN", b'{"docs": [NaN]}', b'{"a": Infinity}', b"\xff\xfe{}", b"{}", b"[]", b"null"])
    raw = encode(_body_for(rnd, endpoint, ctx))  # a lone surrogate spliced into a string
    position = raw.find(b'"', rnd.randrange(len(raw))) if raw else -1
    return raw if position < 0 else raw[:position + 1] + rnd.choice([b"\\ud800", b"\\udc00", b"\\u0000"]) + raw[position + 1:]


def query(rnd: random.Random) -> list[tuple[str, str]]:
    out = []
    for _ in range(rnd.choice([0, 0, 1, 1, 2, 3, 5])):
        name = rnd.choice(PARAMS) if rnd.random() < 0.9 else weird_string(rnd)
        value = rnd.choice(QUERY_VALUES) if rnd.random() < 0.85 else weird_string(rnd)
        out.append((name, value))
    return out


ENDPOINTS = [
    ("GET", "", ""), ("HEAD", "", ""), ("PUT", "", ""), ("POST", "", ""),
    ("GET", "_changes", "_changes"), ("POST", "_changes", "_changes"),
    ("POST", "_revs_diff", "_revs_diff"), ("POST", "_bulk_docs", "_bulk_docs"), ("POST", "_bulk_get", "_bulk_get"),
    ("GET", "_all_docs", "_all_docs"), ("POST", "_all_docs", "_all_docs"),
    ("POST", "_ensure_full_commit", ""),
    ("GET", "_local/{id}", "_local"), ("PUT", "_local/{id}", "_local"), ("DELETE", "_local/{id}", "_local"),
    ("GET", "{doc}", "doc"), ("HEAD", "{doc}", "doc"), ("PUT", "{doc}", "doc"), ("DELETE", "{doc}", "doc"),
    ("GET", "{doc}/{att}", "attachment"), ("GET", "_design/{id}", ""), ("GET", "_compact", ""),
]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "", "multipart/related",
                 'multipart/related; boundary="abc"', "application/x-www-form-urlencoded", "APPLICATION/JSON"]
ACCEPTS = ["application/json", "multipart/mixed", "*/*", ""]


def hostile_request(rnd: random.Random, ctx: Context, *, endpoint: tuple[str, str, str] | None = None) -> HostileRequest:
    method, template, kind = endpoint or rnd.choice(ENDPOINTS)
    known_id = rnd.choice(ctx.known)[0] if ctx.known and rnd.random() < 0.6 else weird_string(rnd).replace("/", "_")
    path = template.replace("{doc}", known_id or "x").replace("{att}", rnd.choice(["image", "signature", "x/y", "_x"]))
    path = path.replace("{id}", rnd.choice(["cp", "x" * 300, weird_string(rnd).replace("/", "_") or "cp"]))
    headers = {}
    request_body = None
    if method in ("POST", "PUT"):
        request_body = body(rnd, kind, ctx)
        content_type = "application/json" if rnd.random() < 0.8 else rnd.choice(CONTENT_TYPES)
        if content_type:
            headers["Content-Type"] = content_type
    if rnd.random() < 0.3:
        accept = rnd.choice(ACCEPTS)
        if accept:
            headers["Accept"] = accept
    return HostileRequest(method=method, path=path, query=query(rnd), headers=headers, body=request_body,
                          endpoint=f"{method} {template or '/'}")
