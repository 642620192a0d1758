"""Several reconciler workers on one PostgreSQL database: run concurrently (they take turns on the
checkpoint row: whoever holds it folds the next batch, the other discards its read), they fold every change
exactly once (no duplicated revision, answer or quick test) and leave the same dossiers a single
worker does. Real `manage.py reconcile` processes against a throw-away PostgreSQL database."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import requests

from tests.sync.reconciler.test_reconciler_kill import REPO, SETUP, _docs, _run

pytestmark = pytest.mark.slow

PG = "postgres://postgres@127.0.0.1:5432"


def _pg():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


def _state(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as con:
        def one(sql):
            return con.execute(sql).fetchone()
        return {
            "revisions": one("SELECT COUNT(*), COUNT(DISTINCT (doc_id, rev)) FROM dossiers_fieldrevision"),
            "answers": one("SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM dossiers_answer"),
            "quicktests": one("SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM dossiers_quicktest"),
            "dossiers": sorted((str(a), b, json.dumps(c, sort_keys=True)) for a, b, c in con.execute(
                "SELECT inspection_id, status, completeness FROM dossiers_dossier").fetchall()),
        }


def test_two_workers_fold_everything_exactly_once(sync_store_server, tmp_path):
    admin = _pg()
    database = f"fi_workers_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{database}"')
    url = f"{PG}/{database}"
    store_db = f"workers-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATA_DIR": str(tmp_path), "COUCHDB_URL": sync_store_server.url, "COUCHDB_DB": store_db,
           "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SYNC_PUBLISH_ON_COMMIT": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        _run(env, "migrate", "--noinput")
        requests.put(f"{sync_store_server.url}/{store_db}", timeout=10).raise_for_status()
        setup = json.loads(_run(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        docs = _docs(setup, quicktests_per_inspection=800)
        for start in range(0, len(docs), 2000):
            requests.post(f"{sync_store_server.url}/{store_db}/_bulk_docs", json={"docs": docs[start:start + 2000]},
                          timeout=120).raise_for_status()

        workers = [subprocess.Popen([sys.executable, "manage.py", "reconcile", "--once", "--batch-size", "100"],
                                    cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        print("\n" + " / ".join(out.strip().splitlines()[-1] for out, _ in outputs))
        together = _state(url)
        assert together["revisions"] == (len(docs), len(docs))
        assert together["quicktests"] == (len(setup["inspections"]) * 800,) * 2
        assert together["answers"] == (len(setup["inspections"]) * len(setup["items"]),) * 2

        # the same store folded again from the start by one worker gives the same dossiers
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute("UPDATE sync_reconciler_checkpoint SET seq = '0'")
        _run(env, "reconcile", "--once", timeout=300)
        assert _state(url) == together
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
