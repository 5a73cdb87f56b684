"""`make bench`: the benchmarks, printed as tables (for reading; never pass/fail).

    .venv/bin/python bench/run.py                 live delivery (about 5 minutes), then pages
    .venv/bin/python bench/run.py --quick         a fast sanity run of both
    .venv/bin/python bench/run.py --live-only     only live delivery (options of ``bench/live.py``)
    .venv/bin/python bench/run.py --floor-only    a request for the floor while 1,000 follow the
                                                  meeting in session, against bare websockets
                                                  (about 2 minutes; ``bench/live.py --floor``)
    .venv/bin/python bench/run.py --pages-only    only the meeting page and `.ics` (about 1.5
                                                  minutes; options of ``bench/pages.py``)
    .venv/bin/python bench/run.py --documents-only  only document downloads and the ZIP (about 2
                                                  minutes; options of ``bench/downloads.py``)
    .venv/bin/python bench/run.py --recovery-only   only the reconnect storm and the Redis restart
                                                  (about 2 minutes; ``bench/recovery.py``)
    .venv/bin/python bench/run.py --search-only     only the library's search inside documents
                                                  over 10,000 documents, with and without the
                                                  policy filter (about 3 minutes;
                                                  ``bench/search.py``)
    .venv/bin/python bench/run.py --memory-only   where the memory of an idle live connection goes
                                                  (tracemalloc in one Daphne, 1,000 clients;
                                                  about 1 minute; ``bench/memory.py``)
    .venv/bin/python bench/run.py --publishing-only  announcements per second from 1, 2 and 4
                                                  publishing processes, against fan-out off
                                                  (about 3 minutes; ``bench/publishing.py``)

Without ``--pages-only`` the options are those of ``bench/live.py`` (``--help``); the pages run
that follows takes only ``--quick`` from them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import downloads
import live
import memory
import pages
import publishing
import recovery
import search


def main(argv: list[str]) -> int:
    if "--search-only" in argv:
        return search.main([a for a in argv if a != "--search-only"])
    if "--publishing-only" in argv:
        return publishing.main([a for a in argv if a != "--publishing-only"])
    if "--memory-only" in argv:
        return memory.main([a for a in argv if a != "--memory-only"])
    if "--recovery-only" in argv:
        return recovery.main([a for a in argv if a != "--recovery-only"])
    if "--documents-only" in argv:
        return downloads.main([a for a in argv if a != "--documents-only"])
    if "--pages-only" in argv:
        return pages.main([a for a in argv if a != "--pages-only"])
    if "--floor-only" in argv:
        rest = [a for a in argv if a != "--floor-only"]
        return live.main(["--floor", "--clients", "1000", "--servers", "bare,ours1", *rest])
    if "--live-only" in argv:
        return live.main([a for a in argv if a != "--live-only"])
    code = live.main(argv)
    if any(a in ("-h", "--help") for a in argv):
        return code
    floor_code = live.main(
        [
            "--floor",
            "--clients",
            "200" if "--quick" in argv else "1000",
            "--servers",
            "bare,ours1",
            "--sustained-clients",
            "",
            *(["--quick"] if "--quick" in argv else []),
        ]
    )
    quick = ["--quick"] if "--quick" in argv else []
    pages_code = pages.main(quick)
    documents_code = downloads.main(quick)
    recovery_code = recovery.main(quick)
    search_code = search.main(quick)
    publishing_code = publishing.main(quick)
    return (
        code
        or floor_code
        or pages_code
        or documents_code
        or recovery_code
        or search_code
        or publishing_code
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
