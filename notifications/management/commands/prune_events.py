import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.retention import prune_events


class Command(BaseCommand):
    help = "Delete events (and their inbox lines) older than the retention (EVENT_RETENTION_DAYS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.EVENT_RETENTION_DAYS
        deleted = prune_events(older_than=datetime.timedelta(days=days))
        self.stdout.write(f"pruned {deleted} event(s) older than {days} days")
