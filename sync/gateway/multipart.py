"""MIME multipart as CouchDB's replicator speaks it (the formats of couch_httpd_multipart):

- `parse_related(body, content_type)`: a `PUT /db/<id>?new_edits=false` in `multipart/related`: the
  document's JSON first, its attachments marked `"follows": true`, then one part per such attachment
  in the same order. Returns the doc with each following attachment inline (`data`, base64), so the
  rest of the gateway checks and stores it like any JSON doc.
- `mixed_body(entries)`: the `multipart/mixed` answer to `GET /db/<id>?open_revs=…` with
  `Accept: multipart/mixed`: one part per revision: `application/json` for a doc without attachment
  bodies, a nested `multipart/related` (JSON + attachment bodies) for one with, and
  `application/json; error="true"` for a revision the store does not hold."""
from __future__ import annotations

import base64
import binascii
import gzip
import re
import uuid
import zlib
from typing import Any

from .http import GatewayError, bad_request, dumps, parse_json

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_FILENAME = re.compile(r'filename="([^"]*)"', re.IGNORECASE)


def is_multipart(content_type: str | None, kind: str) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == f"multipart/{kind}"


def _boundary(content_type: str) -> bytes:
    match = _BOUNDARY.search(content_type)
    if not match:
        raise bad_request("Content-Type: multipart/related 缺少 boundary")
    return (match.group(1) or match.group(2)).encode("latin-1")


def _parts(body: bytes, boundary: bytes) -> list[tuple[dict[str, str], bytes]]:
    """(headers with lower-case names, content) of each part."""
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary)
    parts: list[tuple[dict[str, str], bytes]] = []
    closed = False
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            closed = True
            break
        chunk = chunk.lstrip(b" \t")
        if not chunk.strip():  # the body ends on a boundary that does not close it
            break
        if not chunk.startswith(b"\r\n"):
            raise bad_request("multipart: 分隔行格式错误 (malformed boundary line)")
        rest = chunk[2:]
        if rest.startswith(b"\r\n"):  # a part with no headers
            head, content = b"", rest[2:]
        else:
            head, sep, content = rest.partition(b"\r\n\r\n")
            if not sep:
                raise bad_request("multipart: 部分缺少头与正文之间的空行")
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n"):
            if not line:
                continue
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise bad_request(f"multipart: 无效的头 {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    if not closed:
        raise bad_request("multipart: 缺少结束分隔符 (no closing boundary)")
    return parts


def parse_related(body: bytes, content_type: str) -> dict:
    """The document of a multipart/related PUT, its following attachments made inline."""
    parts = _parts(body, _boundary(content_type))
    if not parts:
        raise bad_request("multipart: 没有文档部分")
    doc = parse_json(parts[0][1], what="multipart document part")
    if not isinstance(doc, dict):
        raise bad_request("multipart document part: 必须是 JSON 对象")
    atts = doc.get("_attachments")
    following = [name for name, att in atts.items() if isinstance(att, dict) and att.get("follows")] if isinstance(
        atts, dict) else []
    bodies = parts[1:]
    if len(bodies) != len(following):
        raise bad_request(f"_attachments: {len(following)} 个附件标记 follows，收到 {len(bodies)} 个附件部分")
    by_name: dict[str, tuple[dict, bytes]] = {}
    for position, (headers, content) in enumerate(bodies):
        match = _FILENAME.search(headers.get("content-disposition", ""))
        by_name[match.group(1) if match else following[position]] = (headers, content)
    for name in following:
        if name not in by_name:
            raise bad_request(f"_attachments.{name}: 没有对应的附件部分")
        headers, content = by_name[name]
        att = atts[name]
        expected = att.get("encoded_length", att.get("length")) if att.get("encoding") else att.get("length")
        if isinstance(expected, int) and expected != len(content):
            raise bad_request(f"_attachments.{name}: 声明长度 {expected} 字节，收到 {len(content)} 字节")
        encoding = att.get("encoding") or headers.get("content-encoding")
        if encoding and encoding != "identity":
            if encoding != "gzip":
                raise bad_request(f"_attachments.{name}.encoding: 只支持 gzip，收到 {encoding!r}")
            try:
                content = gzip.decompress(content)
            except (OSError, EOFError, zlib.error):
                raise bad_request(f"_attachments.{name}: gzip 数据无效") from None
        inline = {key: value for key, value in att.items()
                  if key not in ("follows", "length", "encoding", "encoded_length", "digest", "stub")}
        inline["data"] = base64.b64encode(content).decode("ascii")
        atts[name] = inline
    return doc


def _json_part(doc: Any, *, error: bool = False) -> bytes:
    kind = 'application/json; error="true"' if error else "application/json"
    return b"Content-Type: " + kind.encode() + b"\r\n\r\n" + dumps(doc)


def _related_part(doc: dict) -> bytes:
    """A doc with attachment bodies: JSON with `follows`, then each body (raw bytes)."""
    boundary = uuid.uuid4().hex.encode()
    atts = doc.get("_attachments") or {}
    bodies: list[tuple[str, str, bytes]] = []
    meta: dict[str, dict] = {}
    for name, att in atts.items():
        if not isinstance(att, dict) or not isinstance(att.get("data"), str):
            meta[name] = att
            continue
        try:
            content = base64.b64decode(att["data"], validate=True)
        except (binascii.Error, ValueError):
            raise GatewayError(502, "bad_gateway", f"同步存储返回的附件 {name} 不是有效的 base64") from None
        entry = {key: value for key, value in att.items() if key not in ("data", "stub", "encoding", "encoded_length")}
        entry.update(follows=True, length=len(content))
        meta[name] = entry
        bodies.append((name, str(att.get("content_type") or "application/octet-stream"), content))
    out = [b"Content-Type: multipart/related; boundary=\"" + boundary + b"\"\r\n\r\n"]
    out.append(b"--" + boundary + b"\r\nContent-Type: application/json\r\n\r\n" + dumps(dict(doc, _attachments=meta)))
    for name, content_type, content in bodies:
        out.append(b"\r\n--" + boundary + b"\r\nContent-Disposition: attachment; filename=\""
                   + name.replace('"', "").encode() + b"\"\r\nContent-Type: " + content_type.encode()
                   + b"\r\nContent-Length: " + str(len(content)).encode() + b"\r\n\r\n" + content)
    out.append(b"\r\n--" + boundary + b"--")
    return b"".join(out)


def mixed_body(entries: list) -> tuple[bytes, str]:
    """(body, content type) of a multipart/mixed open_revs answer, from the store's JSON answer
    ([{"ok": doc} | {"missing": rev}], fetched with attachments=true)."""
    boundary = uuid.uuid4().hex.encode()
    parts: list[bytes] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        doc = entry.get("ok")
        if isinstance(doc, dict):
            has_bodies = any(isinstance(att, dict) and isinstance(att.get("data"), str)
                             for att in (doc.get("_attachments") or {}).values())
            parts.append(_related_part(doc) if has_bodies else _json_part(doc))
        elif "missing" in entry:
            parts.append(_json_part({"missing": entry["missing"]}, error=True))
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--"
    return body, f'multipart/mixed; boundary="{boundary.decode()}"'
