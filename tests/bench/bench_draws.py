"""Benchmark: a city-wide 双随机 draw over a register of 100,000 enterprise × category entries
(announce and execute each under 5 s), and the public pages of that draw.

    .venv/bin/python tests/bench/bench_draws.py                      # SQLite in a temporary DATA_DIR
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h11_bench .venv/bin/python tests/bench/bench_draws.py

The register: ENTRIES licensed wire-cable producers spread over the five counties of 揭阳市 (each
with a production licence), 40 inspectors per county and 5 at city level. The draw: population
licensed-producers, percent 5, two inspectors per inspection. Timed through the REST API (Django's
test client in-process: request parsing, service, JSON rendering), and the public pages. On
PostgreSQL the named database is emptied first (its draws/registry tables are flushed).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
COUNTIES = ["445202", "445203", "445222", "445224", "445281"]


def _setup_django(data_dir: Path) -> None:
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    os.environ["SYNC_PUBLISH_ON_COMMIT"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    from django.db import connection

    if connection.vendor == "postgresql":
        # A fresh schema each run; only in a database whose name says it is for benchmarks.
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise SystemExit(f"refusing to empty PostgreSQL database {name!r}: name it *bench*")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def _register(entries: int) -> float:
    from server.accounts.models import Role
    from server.registry.models import Enterprise, ProductionLicence
    from tests import factories
    from tests.factories import make_credit_code

    started = time.perf_counter()
    seen: set[str] = set()
    rows = []
    for i in range(entries):
        county = COUNTIES[i % len(COUNTIES)]
        code = make_credit_code(jurisdiction=county, seed=i)
        while code in seen:
            code = make_credit_code(jurisdiction=county, seed=i + 10**9 + len(seen))
        seen.add(code)
        rows.append(Enterprise(name=f"揭阳市第{i}电线电缆厂", credit_code=code, address="揭阳市", jurisdiction_id=county,
                               roles=["producer"], product_categories=["wire-cable"]))
    Enterprise.objects.bulk_create(rows, batch_size=5000)
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    ProductionLicence.objects.bulk_create(
        [ProductionLicence(enterprise_id=pk, number=f"XK06-001-{pk:08d}", product_category="wire-cable") for pk in ids],
        batch_size=5000)
    for county in COUNTIES:
        for _ in range(40):
            factories.user(Role.INSPECTOR, jurisdiction=county)
    for _ in range(5):
        factories.user(Role.INSPECTOR, jurisdiction="445200")
    return time.perf_counter() - started


def _timed(label: str, func):
    started, cpu = time.perf_counter(), time.process_time()
    result = func()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  {label:<52} {elapsed:7.2f} s wall  {cpu:6.2f} s CPU of this process")
    return result, elapsed


def _breakdown(label: str, steps) -> object:
    """Run a service generator, printing wall and CPU time between its progress steps."""
    print(f"  {label}, by step:")
    last, last_cpu = time.perf_counter(), time.process_time()
    while True:
        try:
            stage, done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        now, cpu = time.perf_counter(), time.process_time()
        print(f"    until {stage:<12} {done:>7}/{total:<7} {now - last:6.2f} s wall {cpu - last_cpu:6.2f} s CPU")
        last, last_cpu = now, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--percent", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-draws-") as tmp:
        _setup_django(Path(tmp))
        from django.db import connection
        from rest_framework.test import APIClient

        from server.accounts.models import Role
        from server.draws.models import Draw, Selection
        from server.inspections.models import Inspection
        from tests import factories

        print(f"database: {connection.vendor}; register: {args.entries:,} enterprise × category entries "
              f"in {len(COUNTIES)} counties; percent {args.percent}")
        _, _ = _timed("register filled (bulk_create, not part of the figure)", lambda: _register(args.entries))
        supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
        client = APIClient()
        client.force_authenticate(supervisor)
        body = {"campaign": "jieyang-2019", "jurisdiction": "445200", "product_category": "wire-cable",
                "population": "licensed-producers", "percent": args.percent, "scheduled_for": "2019-09-16"}
        preview, _ = _timed("preview (GET /api/v1/draws/preview/)", lambda: client.get(
            "/api/v1/draws/preview/?jurisdiction=445200&product_category=wire-cable&population=licensed-producers"))
        assert preview.status_code == 200, preview.content[:300]
        response, t_announce = _timed("announce (POST /api/v1/draws/, 201 with population)",
                                      lambda: client.post("/api/v1/draws/", body, format="json"))
        assert response.status_code == 201, response.content[:300]
        draw_id = response.json()["id"]
        response, t_execute = _timed("execute (POST /api/v1/draws/{id}/execute/)", lambda: client.post(
            f"/api/v1/draws/{draw_id}/execute/", {"beacon": "2019246:583", "beacon_source": "福彩3D"}, format="json"))
        assert response.status_code == 200, response.content[:300]
        selected = len(response.json()["selected"])
        assert selected == Inspection.objects.count() == Selection.objects.count()
        print(f"  population {Draw.objects.get(pk=draw_id).population_count:,}, selected and inspections created: "
              f"{selected:,}")
        anonymous = APIClient()
        timings = {"announce_s": t_announce, "execute_s": t_execute}
        try:
            from django.urls import reverse

            reverse("public-draw", args=[draw_id])
        except Exception:  # the public pages are not there yet
            pass
        else:
            page, t = _timed("public HTML, first page", lambda: anonymous.get(f"/public/draws/{draw_id}/"))
            assert page.status_code == 200
            page, t = _timed("public HTML, first page again", lambda: anonymous.get(f"/public/draws/{draw_id}/"))
            last = _timed("public HTML, page 50", lambda: anonymous.get(f"/public/draws/{draw_id}/?page=50"))[0]
            assert last.status_code == 200
            def whole_record():
                response = anonymous.get(f"/public/draws/{draw_id}.json")
                assert response.status_code == 200
                return b"".join(response.streaming_content)

            content, t_json = _timed("public JSON, whole record (streamed to the end)", whole_record)
            path = Path(tmp) / "draw.json"
            path.write_bytes(content)
            print(f"  public JSON size: {len(content) / 1e6:.1f} MB")
            started = time.perf_counter()
            verdict = subprocess.run([sys.executable, str(REPO / "server/draws/verifier/verify.py"), str(path)],
                                     capture_output=True, text=True)
            print(f"  {'standalone verifier on it':<48} {time.perf_counter() - started:7.2f} s  exit {verdict.returncode}")
            print("   ", verdict.stdout.strip().splitlines()[-1] if verdict.stdout.strip() else verdict.stderr[-300:])
        from server.draws import services

        second = _breakdown("second draw, announce (service)", services.draw_announce_steps(
            actor=supervisor, jurisdiction="445200", product_category="wire-cable", population="licensed-producers",
            percent=args.percent, scheduled_for=__import__("datetime").date(2019, 10, 8)))
        _breakdown("second draw, execute (service; 回避 of the first draw's inspectors)", services.draw_execute_steps(
            actor=supervisor, draw_id=second.pk, beacon="2019275:117"))
        ok = t_announce < 5 and t_execute < 5
        print(f"  load average while running: {os.getloadavg()[0]:.1f} (2 cores)")
        print(json.dumps({"database": connection.vendor, "entries": args.entries, **{k: round(v, 2) for k, v in
                          timings.items()}, "selected": selected, "under_5s": ok}))
        connection.close()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
