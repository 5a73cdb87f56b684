import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connection

from notifications.publishing import fan_out_pending, skip_next_fan_out

logger = logging.getLogger(__name__)

BATCH = 500
# Passes of one event that fail (for another reason than the database being away) before that
# event is skipped: one event the policy cannot answer must not hold up every inbox after it.
ATTEMPTS = 3


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
        failed = 0  # passes failed in a row
        careful = 0  # passes still to make one event at a time, after a failure
        while True:
            # After a failed pass, one event at a time: the one that fails is found.
            batch = 1 if careful else BATCH
            try:
                done = fan_out_pending(limit=batch)
            except (OperationalError, InterfaceError):
                # The database is away (a restart): nothing was written; try again when it is
                # back, on a new connection.
                logger.warning("fan-out pass failed; the database is away", exc_info=True)
                connection.close()
                time.sleep(max(options["interval"], 1.0))
                continue
            except Exception:
                failed += 1
                careful = BATCH
                logger.exception("fan-out pass failed (%d of %d)", failed, ATTEMPTS)
                if failed >= ATTEMPTS:
                    skipped = skip_next_fan_out()
                    logger.error("event #%s skipped: its inbox lines were not written", skipped)
                    failed = 0
                time.sleep(options["interval"])
                continue
            failed = 0
            careful = max(0, careful - 1)
            if done:
                self.stdout.write(f"fanned out {done} event(s)")
            if done == batch:
                continue  # a backlog: no pause until it is gone
            if options["once"] and not done:
                return
            # A pause even after a pass that did work: the events of the next interval come as
            # one batch, and who hears of them is asked once per stream, not once per event.
            time.sleep(options["interval"])
