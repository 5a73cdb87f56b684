import time
from typing import Any

from django.core.management.base import BaseCommand

from notifications.publishing import fan_out_pending

BATCH = 500


class Command(BaseCommand):
    help = (
        "The fan-out worker: write the inbox lines and e-mails of events published with "
        "NOTIFICATIONS_FAN_OUT_WORKER, once per event and person. Loops unless --once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="until nothing is pending, then exit"
        )
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = fan_out_pending(limit=BATCH)
            if done:
                self.stdout.write(f"fanned out {done} event(s)")
            if done == BATCH:
                continue  # a backlog: no pause until it is gone
            if options["once"] and not done:
                return
            # A pause even after a pass that did work: the events of the next interval come as
            # one batch, and who hears of them is asked once per stream, not once per event.
            time.sleep(options["interval"])
