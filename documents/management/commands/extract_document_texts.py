import time
from typing import Any

from django.core.management.base import BaseCommand

from documents import extraction, search


class Command(BaseCommand):
    help = (
        "Read the text of uploaded revisions that wait for it (large files, and any left "
        "pending) and index documents that have no search index row; loops unless --once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            while unindexed := search.missing():
                search.reindex(unindexed)
                self.stdout.write(f"indexed {len(unindexed)} document(s)")
            read = extraction.read_pending()
            if read:
                self.stdout.write(f"read the text of {read} revision(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
