import time
from typing import Any

from django.core.management.base import BaseCommand

from meetings.registration import erase_expired


class Command(BaseCommand):
    help = (
        "Erase the personal data of registrations whose retention has passed "
        "(settings.REGISTRATION_RETENTION_DAYS, follow-up questions' own); loops unless --once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=3600.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            erased = {name: n for name, n in erase_expired().items() if n}
            if erased:
                self.stdout.write(f"erased: {erased}")
            if options["once"]:
                return
            time.sleep(options["interval"])
