"""`_local/<id>` documents (replication checkpoints), kept in SQL per user: never replicated, never
sent to the store, and writable by every sync user (supervisors too: pulling needs a checkpoint)."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import inputs
from .http import GatewayError, bad_request, dumps, json_response
from .models import LocalDoc
from .sqlite_lock import write_promptly

MAX_LOCAL_BYTES = 256 * 1024


def _not_found() -> GatewayError:
    return GatewayError(404, "not_found", "missing")


def get_local(request, user, local_id: str):
    doc = LocalDoc.objects.filter(user_id=user.pk, local_id=local_id).first()
    if doc is None:
        raise _not_found()
    body = dict(doc.body)
    body["_id"] = f"_local/{local_id}"
    body["_rev"] = f"0-{doc.rev_number}"
    return json_response(body)


def _rev_number(rev) -> int | None:
    if isinstance(rev, str) and rev.startswith("0-") and rev[2:].isascii() and rev[2:].isdigit() and len(rev) <= 11:
        return int(rev[2:])
    return None


def put_local(request, user, local_id: str):
    body = inputs.json_object(request)
    where = inputs.text_problem(body)
    if where is not None:
        raise bad_request(inputs.describe_text_problem(where))
    if inputs.depth_of(body, limit=inputs.MAX_DOC_DEPTH) > inputs.MAX_DOC_DEPTH:
        raise bad_request(f"_local 文档 JSON 嵌套超过 {inputs.MAX_DOC_DEPTH} 层上限 (nested deeper than {inputs.MAX_DOC_DEPTH} levels)")
    given = body.pop("_rev", None)
    body.pop("_id", None)
    if len(dumps(body)) > MAX_LOCAL_BYTES:
        raise GatewayError(413, "too_large", f"_local 文档不得超过 {MAX_LOCAL_BYTES} 字节")
    number = _rev_number(given)
    if number is not None:  # the usual checkpoint write: one UPDATE, no transaction
        if write_promptly(lambda: LocalDoc.objects.filter(user_id=user.pk, local_id=local_id, rev_number=number)
                          .update(rev_number=number + 1, body=body, updated_at=timezone.now())):
            return json_response({"ok": True, "id": f"_local/{local_id}", "rev": f"0-{number + 1}"}, status=201)

    def write() -> LocalDoc:
        with transaction.atomic():
            doc = LocalDoc.objects.select_for_update().filter(user_id=user.pk, local_id=local_id).first()
            if doc is None:
                return LocalDoc.objects.create(user_id=user.pk, local_id=local_id, rev_number=1, body=body)
            if given is not None and given != f"0-{doc.rev_number}":
                raise GatewayError(409, "conflict", "Document update conflict.")
            doc.rev_number += 1
            doc.body = body
            doc.save(update_fields=["rev_number", "body", "updated_at"])
            return doc

    try:
        doc = write_promptly(write)
    except IntegrityError:
        raise GatewayError(409, "conflict", "Document update conflict.") from None
    return json_response({"ok": True, "id": f"_local/{local_id}", "rev": f"0-{doc.rev_number}"}, status=201)


def delete_local(request, user, local_id: str):
    deleted, _ = LocalDoc.objects.filter(user_id=user.pk, local_id=local_id).delete()
    if not deleted:
        raise _not_found()
    return json_response({"ok": True, "id": f"_local/{local_id}", "rev": "0-0"})
