from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dialogue.demo import current_demo_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo secretariat accounts (DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo two-factor codes exist only with DEBUG on.")
        self.stdout.write(current_demo_code())
