import time
from typing import Any

from django.core.management.base import BaseCommand

from notifications.mail import send_due


class Command(BaseCommand):
    help = "Send the e-mails of the outbox that are due; loops unless --once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = send_due()
            if sent:
                self.stdout.write(f"sent {sent} e-mail(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
