#!/usr/bin/env python
"""Benchmark: importing a 20,000-row register sheet (contract §9; issue 10 asks < 30 s, bounded memory).

    .venv/bin/python tests/bench/bench_register_import.py [--rows 20000] [--format xlsx|csv]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python tests/bench/bench_register_import.py

Uses a throw-away DATA_DIR (a fresh SQLite database unless DATABASE_URL names PostgreSQL; then the
tables of that database are used as they are, so name a scratch one). Writes the sheet to a temp file,
then runs the import exactly as POST /api/v1/enterprises/import/ does (server.registry.imports
runner + RegisterImporter, the upload read from disk as Django hands over a large upload): a dry run,
the import, and the same file again (every row `unchanged`). Prints wall time per run and the peak
process's peak RSS (ru_maxrss); with --tracemalloc also the peak Python heap during each run.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace the Python heap's peak (slows the run about threefold)")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench-import-")
    os.environ.setdefault("DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from server.accounts.models import Role, User
    from server.registry.imports.register import RegisterImporter
    from server.registry.imports.runner import run_import
    from server.registry.models import Enterprise
    from tests.server.registry import sheets

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    counties = ["445202", "445203", "445222", "445224", "445281"]
    categories = ["wire-cable", "food-paper-packaging", "grinding-wheel", "hazardous-chemical"]

    def rows():
        for n in range(args.rows):
            # about 2 categories per enterprise: 10,000 enterprises × 2 rows
            county = counties[(n // 2) % len(counties)]
            row = sheets.producer_row(n // 2, jurisdiction=county,
                                      category=categories[n % 2 + (n // 2) % 2 * 2])
            row[5] = f"(粤)XK06-{n % 1000:03d}-{n // 1000:05d}" if n % 10 == 0 else ""
            yield row

    print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores")
    t0 = time.perf_counter()
    data = sheets.xlsx_bytes(rows()) if args.format == "xlsx" else sheets.csv_bytes(list(rows()))
    path = Path(data_dir) / f"register.{args.format}"
    path.write_bytes(data)
    print(f"sheet: {args.rows} rows, {args.format}, {len(data) / 1e6:.1f} MB, written in {time.perf_counter() - t0:.1f} s")
    del data

    def upload():
        handle = TemporaryUploadedFile(path.name, "application/octet-stream", path.stat().st_size, "utf-8")
        handle.write(path.read_bytes())
        handle.seek(0)
        return handle

    # A PostgreSQL database named by DATABASE_URL keeps its rows: remove an earlier run's enterprises.
    Enterprise.objects.filter(name__startswith="揭阳市测试企业", address__startswith="揭阳市测试路").delete()
    before = Enterprise.objects.count()
    print(f"RSS before the first import: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for label, dry in (("dry run", True), ("import", False), ("re-import", False)):
        file = upload()
        if args.tracemalloc:
            tracemalloc.start()
        start = time.perf_counter()
        result = run_import(upload=file, importer=RegisterImporter(actor=admin, kind="producers"), dry_run=dry)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
        tracemalloc.stop()
        file.close()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{label:10s} {elapsed:6.2f} s  rows={result.rows} created={result.created} updated={result.updated} "
              f"unchanged={result.unchanged} errors={len(result.errors)}  "
              + (f"peak heap {peak / 1e6:.1f} MB  " if args.tracemalloc else "") +
              f"peak RSS {rss:.0f} MB")
    print(f"enterprises: {before} -> {Enterprise.objects.count()}")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
