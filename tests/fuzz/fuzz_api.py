"""The long schemathesis run over the REST API (issue 14): every operation of the OpenAPI schema,
as several roles, positive and negative cases, half on real objects; prints a report (requests,
status counts, every 5xx with its request) and exits 1 if any answer was a 5xx.

    .venv/bin/python tests/fuzz/fuzz_api.py --seed 14 --max-examples 20
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python tests/fuzz/fuzz_api.py ...

It runs the Django app in-process through WSGI against a fresh SQLite database in a temporary
DATA_DIR (or the database DATABASE_URL names: it migrates it and adds its own users and objects,
so use a scratch database). No sync store is needed: tests point it at a closed port.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--max-examples", type=int, default=20, help="cases per operation, role and mode")
    parser.add_argument("--roles", default="admin,inspector,supervisor",
                        help="comma-separated: admin, supervisor, inspector, certifier, enterprise")
    parser.add_argument("--modes", default="positive,negative")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    os.environ["COUCHDB_URL"] = "http://127.0.0.1:9"  # no store: nothing here needs one
    os.environ.setdefault("LOGIN_THROTTLE_RATE", "100000/min")
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)  # 4xx lines; the report says what matters
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    settings.SYNC_PUBLISH_ON_COMMIT = False
    settings.MEDIA_ROOT = data_dir / "media"
    call_command("migrate", verbosity=0)
    from tests.server.authz import world as authz_world
    from tests.support import api_fuzz

    world = authz_world.build()
    roles = {role: Token.objects.get_or_create(user=world.users[role])[0].key for role in args.roles.split(",")}
    print(f"fuzz_api: seed {args.seed}, max examples {args.max_examples}, roles {', '.join(roles)}, "
          f"modes {args.modes}, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", flush=True)
    report = api_fuzz.fuzz(app=WSGIHandler(), roles=roles, max_examples=args.max_examples, seed=args.seed,
                           path_values=api_fuzz.path_values_from(world), modes=tuple(args.modes.split(",")),
                           progress=lambda line: print(line, file=sys.stderr, flush=True))
    print("\n".join(report.lines()))
    print("per operation (status: count):")
    for label, counts in sorted(report.by_operation.items()):
        print(f"  {label}: " + ", ".join(f"{code}: {n}" for code, n in sorted(counts.items())))
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
