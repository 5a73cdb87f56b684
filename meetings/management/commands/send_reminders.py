import time
from typing import Any

from django.core.management.base import BaseCommand

from meetings.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Publish the reminders of meetings starting within two days; loops unless --once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = send_due_reminders()
            if sent:
                self.stdout.write(f"sent {sent} reminder(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
