"""schemathesis over the project's own OpenAPI schema, in-process through WSGI (issue 14).

Used by the suite (tests/server/api/test_schemathesis.py, a small budget) and by the longer run
(tests/fuzz/fuzz_api.py, with --seed and --max-examples). Every operation the schema lists is
fuzzed, so an endpoint added tomorrow is covered without anyone listing it here. Each operation
is driven as each given role (a token per role), with schemathesis's positive and negative
generation, and half of the cases fill the path parameters with real objects (so the views get
past their 404 and into the code that reads the body).

Any answer >= 500 is a failure and is recorded with the request that caused it.
"""
from __future__ import annotations

import collections
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import hypothesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SCHEMA_PATH = "/api/schema/?format=json"


@dataclass
class Report:
    requests: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    by_operation: dict[str, collections.Counter] = field(default_factory=dict)
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    operations: int = 0
    seconds: float = 0.0
    call_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    def record(self, label: str, case, response) -> None:
        self.requests += 1
        self.statuses[response.status_code] += 1
        self.by_operation.setdefault(label, collections.Counter())[response.status_code] += 1
        if response.status_code >= 500:
            body = case.body if not isinstance(case.body, bytes) else case.body[:200]
            try:
                body_text = json.dumps(body, ensure_ascii=True, default=str)[:500]
            except Exception:  # noqa: BLE001 - reporting must not fail
                body_text = repr(body)[:500]
            self.server_errors.append({
                "operation": label, "status": response.status_code, "method": case.method,
                "path": case.formatted_path, "query": case.query, "headers": {k: v for k, v in (case.headers or {}).items()
                                                                             if k.lower() != "authorization"},
                "media_type": case.media_type, "body": body_text,
                "response": (response.content or b"")[:300].decode("utf-8", "replace"),
            })

    def lines(self) -> list[str]:
        out = [f"operations fuzzed: {self.operations}", f"requests: {self.requests}",
               f"time: {self.seconds:.1f} s ({self.call_seconds:.1f} s in the application)", "status counts: " + ", ".join(
                   f"{code}: {count}" for code, count in sorted(self.statuses.items()))]
        out.append(f"server errors (5xx): {len(self.server_errors)}")
        for error in self.server_errors:
            out.append(f"  {error['status']} {error['method']} {error['path']} query={error['query']} "
                       f"media={error['media_type']} body={error['body']} -> {error['response']}")
        for label in self.skipped:
            out.append(f"  skipped: {label}")
        return out


def load_schema(app):
    import schemathesis

    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)


def operations(schema):
    for result in schema.get_all_operations():
        try:
            yield result.ok()
        except Exception:  # noqa: BLE001 - an operation schemathesis cannot use is reported, not fatal
            continue


def _negatable(operation) -> bool:
    """Whether schemathesis can make a negative case: something typed to break (query parameters or
    a structured body). Without one, negative generation only burns time failing its filters."""
    if len(list(operation.query)) > 0:
        return True
    for body in operation.body:
        definition = getattr(body, "definition", None) or {}
        schema = definition.get("schema", {}) if isinstance(definition, dict) else {}
        if "$ref" in schema or schema.get("properties") or schema.get("type") in ("object", "array"):
            return True
    return False


def fuzz(*, app, roles: dict[str, str], max_examples: int, seed: int,
         path_values: Callable[[Any], dict[str, Any] | None] | None = None,
         modes: tuple[str, ...] = ("positive", "negative"), report: Report | None = None,
         include: Callable[[Any], bool] | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Fuzz every operation as every role ({role: token}); returns the report."""
    from schemathesis.generation.modes import GenerationMode

    report = report or Report()
    started = time.perf_counter()
    schema = load_schema(app)
    for operation in operations(schema):
        if include is not None and not include(operation):
            continue
        report.operations += 1
        label = f"{operation.method.upper()} {operation.path}"
        if progress is not None:
            progress(f"[{report.operations}] {label} (requests so far: {report.requests}, "
                     f"5xx: {len(report.server_errors)})")
        fixed = path_values(operation) if path_values is not None else None
        for role, token in roles.items():
            headers = {"Authorization": f"Token {token}"}
            for mode in modes:
                if mode == "negative" and not _negatable(operation):
                    continue
                generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
                try:
                    strategies = [operation.as_strategy(generation_mode=generation)]
                    if fixed:
                        strategies.append(operation.as_strategy(generation_mode=generation, path_parameters=fixed))
                except Exception as exc:  # noqa: BLE001
                    report.skipped.append(f"{label} {mode}: {exc}")
                    continue
                strategy = st.one_of(*strategies)

                @hypothesis.seed(seed)
                @settings(max_examples=max_examples, deadline=None, database=None, derandomize=False,
                          phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck), print_blob=False)
                @given(case=strategy)
                def run(case):
                    t0 = time.perf_counter()
                    response = case.call(headers=headers)
                    report.call_seconds += time.perf_counter() - t0
                    report.record(label, case, response)

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    report.skipped.append(f"{label} {mode} as {role}: unsatisfiable")
                except Exception as exc:  # noqa: BLE001 - a generation failure is reported, not fatal
                    report.skipped.append(f"{label} {mode} as {role}: {type(exc).__name__}: {str(exc)[:200]}")
    report.seconds += time.perf_counter() - started
    return report


def path_values_from(world) -> Callable[[Any], dict[str, Any] | None]:
    """Real objects (the `own` side of tests/server/authz/world.py) for the path parameters."""
    side = world.side("own")
    by_name = {
        "inspection_id": str(side.inspection.pk), "photo_id": side.photo.doc_id, "sha256": side.photo.sha256,
        "batch_id": side.batch.pk, "label_code": side.sample.label_code,
        "checklist_id": side.inspection.checklist_id, "case_id": side.case.pk,
    }
    pk_by_prefix = {
        "/api/v1/enterprises/": side.enterprise.pk, "/api/v1/inspections/": str(side.inspection.pk),
        "/api/v1/dossiers/": str(side.inspection.pk), "/api/v1/rectification-orders/": side.order.pk,
        "/api/v1/enforcement-cases/": side.case.pk, "/api/v1/producer-notices/": side.notice.pk,
        "/api/v1/certification-audits/": side.audit.pk,
    }

    def values(operation) -> dict[str, Any] | None:
        names = [p.name for p in operation.path_parameters] if hasattr(operation, "path_parameters") else []
        if not names:
            return None
        out: dict[str, Any] = {}
        for name in names:
            if name in by_name:
                out[name] = by_name[name]
            elif name in ("pk", "id"):
                for prefix, value in pk_by_prefix.items():
                    if operation.path.startswith(prefix):
                        out[name] = value
        return out if len(out) == len(names) else None

    return values
