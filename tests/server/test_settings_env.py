"""Settings come from the environment (contract §0): checked in fresh interpreters."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django, json; django.setup(); from django.conf import settings as s; " \
        "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], s.COUCHDB_URL, s.COUCHDB_VERIFY_TLS, s.SECRET_KEY[:4]]))"


def run(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COUCHDB_URL", "SECRET_KEY", "DEBUG")}
    base.update({"DJANGO_SETTINGS_MODULE": "server.settings", "DATA_DIR": str(tmp_path)}, **env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


def test_defaults_generate_a_development_key_in_data_dir(tmp_path):
    first = run(tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "secret_key").exists()
    assert '"django.db.backends.sqlite3"' in first.stdout and "false" in first.stdout.lower()
    assert run(tmp_path).stdout == first.stdout  # the same key next time


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(tmp_path, FIELDINSPECT_ENV="production")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    assert run(tmp_path, FIELDINSPECT_ENV="production", SECRET_KEY="x" * 50).returncode == 0


def test_tls_checks_cannot_be_turned_off_for_a_remote_store(tmp_path):
    remote = run(tmp_path, COUCHDB_URL="https://u:p@couch.example.org:6984", COUCHDB_VERIFY_TLS="false")
    assert remote.returncode == 0, remote.stderr
    assert '"https://u:p@couch.example.org:6984", true' in remote.stdout
    local = run(tmp_path, COUCHDB_URL="http://127.0.0.1:5984", COUCHDB_VERIFY_TLS="false")
    assert '"http://127.0.0.1:5984", false' in local.stdout


def test_postgres_url_selects_postgresql(tmp_path):
    result = run(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert '"django.db.backends.postgresql"' in result.stdout, result.stderr
