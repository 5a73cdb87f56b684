import time
from typing import Any

from django.core.management.base import BaseCommand

from meetings.outcomes.silence import conclude_due


class Command(BaseCommand):
    help = (
        "Record the result of every silence procedure whose end has passed (adopted by silence "
        "or broken), once each; loops unless --once. Several may run at once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            concluded = conclude_due()
            if concluded:
                self.stdout.write(f"concluded {concluded} silence procedure(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
