"""Benchmark: the campaign statistics of the city (contract §13) and the risk list (§12) at scale,
on PostgreSQL: 20,000 enterprises, 100,000 inspections, 5,000 cases (plus their findings, quick
tests, samples, rectification orders, self-inspections, certificates and audits), every risk profile
computed by the real `risk.recompute`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python tests/bench/bench_statistics.py
    … --keep      # reuse the data already loaded by an earlier run

THE DATABASE NAMED IS FLUSHED (every table emptied) before loading: use a database of your own.
Prints the load time, the recompute cost per enterprise, and for each measured request the cold
(first) and median of the warm runs, through the real HTTP stack (Django test client, token auth).
Targets: city statistics < 2 s, risk list < 1 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

COUNTIES = ["445202", "445203", "445222", "445224", "445281"]
CATEGORIES = ["food-paper-packaging", "wire-cable", "explosion-proof-electrical", "grinding-wheel",
              "hazardous-chemical", "hazchem-packaging"]


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database of your own (it is flushed)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    os.environ.setdefault("DATA_DIR", "/tmp/bench-statistics-var")
    os.environ.setdefault("COUCHDB_URL", "http://127.0.0.1:9")
    import django

    django.setup()
    from django.conf import settings

    settings.SYNC_PUBLISH_ON_COMMIT = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(*, enterprises: int, inspections: int, cases: int, seed: int = 7) -> None:
    from django.db import connection, transaction

    from server.accounts.models import Role
    from server.campaigns.models import Campaign
    from server.dossiers.models import Dossier, QuickTest, Sample
    from server.enforcement.models import EnforcementCase
    from server.inspections.models import Inspection
    from server.registry.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char
    from server.registry.models import CccCertificate, Enterprise
    from server.reviews.models import CertificationAudit, Finding, RectificationOrder
    from server.selfinspections.models import SelfInspection
    from tests import factories

    rng = random.Random(seed)
    campaign = Campaign.objects.get(code="jieyang-2019")
    admin = factories.user(Role.ADMIN, username=f"bench-admin-{uuid.uuid4().hex[:6]}")
    certifier = factories.user(Role.CERTIFIER, username=f"bench-cert-{uuid.uuid4().hex[:6]}")
    day0 = dt.date(2019, 5, 1)

    def day(span: int = 184) -> dt.date:
        return day0 + dt.timedelta(days=rng.randrange(span))

    with transaction.atomic():
        rows, codes = [], set()
        while len(rows) < enterprises:
            county = rng.choice(COUNTIES)
            first17 = "91" + county + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
            code = first17 + credit_code_check_char(first17)
            if code in codes:
                continue
            codes.add(code)
            rows.append(Enterprise(name=f"企业{len(rows)}", credit_code=code, address="揭阳", jurisdiction_id=county,
                                   roles=rng.sample(["producer", "seller", "user"], rng.randint(1, 2)),
                                   product_categories=rng.sample(CATEGORIES, rng.randint(1, 2))))
        ents = Enterprise.objects.bulk_create(rows, batch_size=2000)
        producers = [e for e in ents if "producer" in e.roles]

        insp_rows, dossier_rows = [], []
        for _ in range(inspections):
            e = rng.choice(ents)
            insp = Inspection(id=uuid.uuid4(), enterprise_id=e.pk, product_category=rng.choice(e.product_categories),
                              domain="production", scheduled_for=day(), checklist_id="checklist:wire-cable:1")
            insp_rows.append(insp)
            dossier_rows.append(Dossier(inspection_id=insp.id, status=rng.choice(
                ["assigned", "in_progress", "submitted", "incomplete", "approved", "approved", "returned"])))
        Inspection.objects.bulk_create(insp_rows, batch_size=5000)
        Dossier.objects.bulk_create(dossier_rows, batch_size=5000)
        insp_by_id = {i.id: i for i in insp_rows}
        sample = rng.sample(insp_rows, inspections // 5)
        Finding.objects.bulk_create([
            Finding(inspection_id=i.id, item_code="mark-1", severity=rng.choice(["minor", "major", "critical"]),
                    description="d", created_by=admin) for i in sample[: inspections // 10]], batch_size=5000)
        QuickTest.objects.bulk_create([
            QuickTest(doc_id=f"quicktest:{uuid.uuid4()}", rev="1-a", inspection_id=i.id, item_code="cr-1",
                      method="conductor-resistance", verdict=rng.choice(["pass", "pass", "pass", "fail", ""]),
                      measured_at="2019-09-01T10:00:00+08:00")
            for i in rng.sample(insp_rows, inspections // 2)], batch_size=5000)
        Sample.objects.bulk_create([
            Sample(doc_id=f"sample:B-{n}", rev="1-s", label_code=f"B-{n}", inspection_id=i.id)
            for n, i in enumerate(rng.sample(insp_rows, inspections // 10))], batch_size=5000)
        orders = RectificationOrder.objects.bulk_create([
            RectificationOrder(inspection_id=i.id, requirements="r", deadline=day(),
                               issued_by=admin, **rng.choice([{"status": "issued"},
                                                              {"status": "closed", "result": "rectified"}]))
            for i in sample[: inspections // 20]], batch_size=5000)
        SelfInspection.objects.bulk_create([
            SelfInspection(enterprise_id=e.pk, product_category=e.product_categories[0], campaign=campaign,
                           submitted_on=day(120), problems=(p := rng.randint(0, 2)),
                           status="clean" if not p else rng.choice(["rectifying", "rectified", "overdue"]),
                           submitted_by=admin)
            for e in rng.sample(producers, min(len(producers), enterprises * 3 // 4))], batch_size=5000)
        case_rows = []
        for n in range(cases):
            e = rng.choice(ents)
            closed = rng.random() < 0.5
            case_rows.append(EnforcementCase(
                findings_key="", enterprise_id=e.pk, jurisdiction_id=e.jurisdiction_id,
                product_category=rng.choice(e.product_categories), campaign=campaign,
                source=rng.choice(["inspection", "sampling", "complaint", "cross-region"]), opened_on=day(),
                reason="r", report="r", referred_by=admin, status="closed" if closed else "filed",
                case_number=f"B{n}", outcome=rng.choice(["penalized", "no_violation", "transferred"]) if closed else "",
                transferred_to="公安", report_due=None if closed else day(), major=rng.random() < 0.02,
                supervising_office="市局"))
        for c in case_rows:
            if c.outcome != "transferred":
                c.transferred_to = ""
            if not c.major:
                c.supervising_office = ""
        EnforcementCase.objects.bulk_create(case_rows, batch_size=5000)
        certs = CccCertificate.objects.bulk_create([
            CccCertificate(enterprise_id=e.pk, number=f"2019{n:012d}", product_category=e.product_categories[0],
                           certification_body=certifier.certification_body)
            for n, e in enumerate(rng.sample(producers, min(len(producers), 3000)))], batch_size=5000)
        audits = []
        for cert in rng.sample(certs, 500):
            result = rng.choice(["suspended", "revoked", "maintained"])
            audits.append(CertificationAudit(certificate=cert, enterprise_id=cert.enterprise_id,
                                             product_category=cert.product_category, result=result, audit_date=day(),
                                             certificate_status_before="valid",
                                             certificate_status_after={"maintained": "valid"}.get(result, result),
                                             created_by=certifier))
            cert.status = {"maintained": "valid"}.get(result, result)
        CertificationAudit.objects.bulk_create(audits)
        CccCertificate.objects.bulk_update(certs, ["status"], batch_size=5000)
        del insp_by_id, orders
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def recompute_all() -> tuple[int, float]:
    from django.db import transaction

    from server.credit import risk
    from server.registry.models import Enterprise

    ids = list(Enterprise.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            for enterprise_id in ids[start:start + 500]:
                risk.recompute(enterprise_id=enterprise_id)
    return len(ids), time.perf_counter() - started


def timed(client, url: str, runs: int = 5) -> tuple[float, float, dict]:
    times, body = [], None
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
    return times[0], statistics.median(times[1:]), body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=20000)
    parser.add_argument("--inspections", type=int, default=100000)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="reuse the data of an earlier run")
    args = parser.parse_args()
    setup()
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from server.accounts.models import Role, User
    from server.enforcement.models import EnforcementCase
    from server.inspections.models import Inspection
    from server.registry.models import Enterprise

    if not args.keep or Inspection.objects.count() < args.inspections:
        call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        from importlib import import_module

        from server.accounts.models import Jurisdiction

        for code, name, parent in import_module("server.accounts.migrations.0002_contract_jurisdictions").JURISDICTIONS:
            Jurisdiction.objects.update_or_create(code=code, defaults={"name": name, "parent_id": parent})
        from django.apps import apps as global_apps

        import_module("server.campaigns.migrations.0002_seed_jieyang_2019").forwards(global_apps, None)
        started = time.perf_counter()
        load(enterprises=args.enterprises, inspections=args.inspections, cases=args.cases)
        print(f"loaded in {time.perf_counter() - started:.1f} s")
        count, seconds = recompute_all()
        print(f"risk.recompute for {count} enterprises: {seconds:.1f} s ({seconds / count * 1000:.2f} ms each)")
    print(f"rows: {Enterprise.objects.count()} enterprises, {Inspection.objects.count()} inspections, "
          f"{EnforcementCase.objects.count()} cases")
    from tests import factories

    admin = User.objects.filter(role=Role.ADMIN).first() or factories.user(Role.ADMIN)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=admin)[0].key}")
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202", username=f"bench-sup-{uuid.uuid4().hex[:6]}")
    county_client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=county)[0].key}")
    started = time.perf_counter()
    assert client.get("/api/v1/campaigns/").status_code == 200
    print(f"first request of the process (GET /api/v1/campaigns/: imports, connection): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    results = [
        ("city statistics GET /api/v1/statistics/campaign/jieyang-2019/", client,
         "/api/v1/statistics/campaign/jieyang-2019/", 2.0),
        ("county statistics (supervisor 445202)", county_client, "/api/v1/statistics/campaign/jieyang-2019/", 2.0),
        ("city XLSX export", client, "/api/v1/statistics/campaign/jieyang-2019/export.xlsx", 2.0),
        ("risk list, city, class D (page of 100 + count)", client, "/api/v1/risk/?class=D", 1.0),
        ("risk list, city, all classes by score (page of 100 + count)", client, "/api/v1/risk/", 1.0),
        ("risk list, county 445202, class A", county_client, "/api/v1/risk/?class=A", 1.0),
    ]
    for label, who, url, target in results:
        if url.endswith(".xlsx"):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                assert who.get(url).status_code == 200
                times.append(time.perf_counter() - started)
            cold, warm, extra = times[0], statistics.median(times[1:]), ""
        else:
            cold, warm, body = timed(who, url)
            extra = f"rows {len(body['rows'])}, inspections planned {body['total']['inspections']['planned']}" \
                if "rows" in body else f"count {body['count']}"
        verdict = "OK" if max(cold, warm) < target else "SLOW"
        print(f"{label}: cold {cold * 1000:.0f} ms, warm median {warm * 1000:.0f} ms (target < {target:.0f} s) "
              f"{verdict}; {extra}")


if __name__ == "__main__":
    main()
