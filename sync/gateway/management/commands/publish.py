"""`manage.py publish`: write every server-made doc (checklists, inspections, unqualified products)
that differs from the store into it. Idempotent; safe to run any time."""
from django.core.management.base import BaseCommand, CommandError

from sync import publisher, store


class Command(BaseCommand):
    help = "Publish checklists, inspections and unqualified products into the sync store (idempotent)."

    def handle(self, *args, **options):
        try:
            store.ensure_database()
            counts = publisher.publish_all_pending(full=True)
        except store.StoreUnavailable as exc:
            raise CommandError(f"sync store unavailable: {exc}") from exc
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
