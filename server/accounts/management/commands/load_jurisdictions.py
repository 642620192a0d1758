from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from server.accounts.services import jurisdictions_load_csv
from server.api.errors import FieldError


class Command(BaseCommand):
    help = "Load or update jurisdictions from a CSV file: code,name,parent_code (GB/T 2260)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            count = jurisdictions_load_csv(text=path.read_text(encoding="utf-8"))
        except (OSError, FieldError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"loaded {count} jurisdictions")
