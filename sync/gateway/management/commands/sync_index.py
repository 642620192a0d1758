"""manage.py sync_index [--check] [--since SEQ]: bring the gateway's access index level with the
sync store (see sync/gateway/repair.py). --check only reports what is behind (exit status 1 if any)."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from sync import store
from sync.gateway.repair import repair_index


class Command(BaseCommand):
    help = "Index every revision in the sync store that the gateway's access index lacks (--check: only report)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only; exit status 1 when the index is behind")
        parser.add_argument("--since", default="0", help="store sequence to start from (default: the beginning)")

    def handle(self, *args, check: bool, since: str, **options):
        started = time.monotonic()

        def progress(report):
            self.stdout.write(f"  {report.changes_read} changes read, {report.docs_behind} docs behind, "
                              f"{report.revisions_added} revisions indexed ({time.monotonic() - started:.1f} s)")

        try:
            report = repair_index(since=since, dry_run=check, progress=progress)
        except store.StoreUnavailable as exc:
            raise CommandError(f"sync store unavailable: {exc}") from exc
        verb = "behind" if check else "repaired"
        self.stdout.write(self.style.SUCCESS(
            f"{report.changes_read} changes read; {report.docs_behind} docs {verb}; "
            f"{report.revisions_added} revisions indexed; last store seq {report.last_seq}"))
        if report.behind_ids:
            self.stdout.write("  e.g. " + ", ".join(report.behind_ids[:5]))
        if check and report.docs_behind:
            raise SystemExit(1)
