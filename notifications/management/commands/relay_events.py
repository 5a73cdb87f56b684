import datetime
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.publishing import relay_pending
from notifications.retention import prune_events


class Command(BaseCommand):
    help = (
        "The sweeper: relay committed events that never reached the channel layer, and prune "
        "the log past its retention once an hour. Loops unless --once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        last_prune = 0.0
        while True:
            relayed = relay_pending()
            if relayed:
                self.stdout.write(f"relayed {relayed} event(s)")
            if time.monotonic() - last_prune > 3600:
                prune_events(older_than=datetime.timedelta(days=settings.EVENT_RETENTION_DAYS))
                last_prune = time.monotonic()
            if options["once"]:
                return
            time.sleep(options["interval"])
