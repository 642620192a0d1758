"""`manage.py reconcile [--wait-for-store] [--once]`: fold the sync store's changes into dossiers."""
from __future__ import annotations

import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sync import store
from sync.reconciler.processor import Reconciler, wait_for_store

log = logging.getLogger("sync.reconciler")


class Command(BaseCommand):
    help = "Follow the sync store's _changes feed and fold field documents into SQL dossiers."

    def add_arguments(self, parser):
        parser.add_argument("--wait-for-store", action="store_true", help="wait until the store answers")
        parser.add_argument("--once", action="store_true", help="fold until caught up, then exit")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--poll-seconds", type=float, default=2.0)
        parser.add_argument("--nice", type=int, default=None,
                            help="lower the process's CPU priority by this much (default RECONCILER_NICE): syncs before folds")

    def handle(self, *args, **options):
        niceness = options["nice"] if options["nice"] is not None else int(getattr(settings, "RECONCILER_NICE", 0))
        if niceness > 0 and not options["once"]:  # the service, not a one-off catch-up (or a test's call)
            os.nice(niceness)  # tablets' pushes and pulls (the web process) get the CPU first; a fold can wait
        reconciler = Reconciler(batch_size=options["batch_size"], poll_s=options["poll_seconds"])

        def stop(signum, frame):
            reconciler.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if options["wait_for_store"]:
            if not wait_for_store(stop_event=reconciler.stop_event):
                return
        else:
            try:
                store.ensure_database()
            except store.StoreUnavailable as exc:
                raise CommandError(f"sync store unavailable: {exc}") from exc
        if options["once"]:
            total = reconciler.run_until_caught_up()
            self.stdout.write(f"folded {reconciler.folded} field docs ({total} feed rows)")
            return
        log.info("reconciler started (batch size %d)", options["batch_size"])
        reconciler.run_forever()
