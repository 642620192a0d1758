"""`manage.py selfinspections_refresh`: mark reports still rectifying past their deadline overdue
(the selectors do this before every read; run it daily from cron if other code reads the column)."""
from django.core.management.base import BaseCommand

from server.selfinspections.services import refresh_overdue


class Command(BaseCommand):
    help = "Mark self-inspection reports whose rectification deadline has passed as overdue."

    def handle(self, *args, **options):
        self.stdout.write(f"{refresh_overdue()} report(s) marked overdue")
