"""Run an import: stream rows through a RowSpec, in chunks, inside one transaction that is rolled
back when any row is at fault or on a dry run (so nothing is stored), with progress."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction

from .progress import Progress
from .reader import ImportFileError, open_rows
from .spec import RowSpec

CHUNK_ROWS = 1000


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class Importer(Protocol):
    spec: RowSpec

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> ChunkResult:
        """Check the rows against the database and earlier rows, and write them."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "rows": self.rows,
                "errors": [e.as_dict() for e in self.errors], "dry_run": self.dry_run}


def run_import(*, upload, importer: Importer, dry_run: bool, progress: Progress | None = None,
               chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """Raises ImportFileError when the file as a whole is unusable; otherwise returns the result
    (with `errors` listing every faulty row; then nothing was stored)."""
    progress = progress or Progress(key=None, user_id=0, kind="")
    progress.start()
    result = ImportResult(dry_run=dry_run)
    try:
        sheet = open_rows(upload)
        positions = importer.spec.positions(sheet.headers)
        with transaction.atomic():
            chunk: list[tuple[int, dict[str, Any]]] = []

            def flush() -> None:
                if not chunk:
                    return
                outcome = importer.apply(list(chunk))
                chunk.clear()
                result.created += outcome.created
                result.updated += outcome.updated
                result.unchanged += outcome.unchanged
                result.errors.extend(outcome.errors)

            for number, cells in sheet.rows:
                if RowSpec.blank(cells):
                    continue
                result.rows += 1
                values, problems = importer.spec.parse_row(cells=cells, positions=positions)
                if problems:
                    result.errors.extend(RowError(number, f, m) for f, m in problems)
                else:
                    chunk.append((number, values))
                if len(chunk) >= chunk_rows:
                    flush()
                progress.update(rows=result.rows)
            flush()
            if result.rows == 0:
                raise ImportFileError("表格没有数据行（第 1 行为表头，数据从第 2 行开始）")
            if result.errors or dry_run:
                transaction.set_rollback(True)
    except ImportFileError as exc:
        progress.finish(state="failed", result={"detail": exc.message})
        raise
    except BaseException:
        progress.finish(state="failed", result={"detail": "导入中断"})
        raise
    result.errors.sort(key=lambda e: (e.row, e.field))
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    progress.finish(state="invalid" if result.errors else "done",
                    result={k: v for k, v in result.as_dict().items() if k != "errors"} | {"errors": len(result.errors)})
    return result
