import time
from typing import Any

from django.core.management.base import BaseCommand

from dialogue.audit import trail


class Command(BaseCommand):
    help = (
        "Remove the entries of the permanent record whose retention has passed "
        "(settings.AUDIT_RETENTION_YEARS); loops daily unless --once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--interval", type=float, default=86400.0, help="seconds between passes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            purged = trail.purge_expired()
            if purged:
                self.stdout.write(f"purged: {purged} entries")
            if options["once"]:
                return
            time.sleep(options["interval"])
