import time
from typing import Any

from django.core.management.base import BaseCommand

from notifications.webhooks.delivery import deliver_due


class Command(BaseCommand):
    help = "Deliver the event log to webhook subscriptions; loops unless --once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            delivered = deliver_due()
            if delivered:
                self.stdout.write(f"delivered {delivered} webhook(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
