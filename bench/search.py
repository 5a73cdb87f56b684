"""Search benchmark: the library's search inside documents over 10,000 generated documents, as
a focal point (the permission policy's filter at work) against the same search with the policy
filter turned off, in the same run; on PostgreSQL (when reachable) and on the embedded SQLite.

    .venv/bin/python bench/search.py             (about 2 minutes)
    .venv/bin/python bench/search.py --quick     (2,000 documents, fewer repetitions)
    .venv/bin/python bench/run.py --search-only  the same, through `make bench`'s entry point

Each backend runs in a child process with its own database (``bench_search`` on the local
PostgreSQL, a temporary SQLite file): the demo (``load_demo``), then documents of the Budapest
Process across its meetings at every distribution (40 % public, 20 % participants, 20 % member
states, 10 % named delegations, 10 % internal), each with a title in English and Russian and a
text of some 300 words in English, Russian or Arabic, indexed by ``documents.search.reindex``.
A request is the library page ``/dialogues/budapest-process/documents/?q=…`` through Django's
whole stack (middleware, session, the view, the template) in the process; its server CPU is the
process's CPU time plus the database backend's (read from ``/proc`` for PostgreSQL; SQLite runs
in the process). Queries per request are counted. Figures are for reading, never pass/fail.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = os.environ.get("BENCH_SEARCH_DB", "bench_search")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
TICK = os.sysconf("SC_CLK_TCK")

ENGLISH = [
    "migration",
    "return",
    "readmission",
    "asylum",
    "border",
    "visa",
    "mobility",
    "labour",
    "integration",
    "diaspora",
    "trafficking",
    "smuggling",
    "protection",
    "refugees",
    "partnership",
    "cooperation",
    "capacity",
    "dialogue",
    "ministerial",
    "conference",
    "declaration",
    "pilot",
    "project",
    "training",
    "seasonal",
    "workers",
    "remittances",
    "reintegration",
    "legal",
    "pathways",
    "data",
    "statistics",
    "governance",
    "policy",
]
RUSSIAN = [
    "миграция",
    "возвращение",
    "реадмиссия",
    "убежище",
    "граница",
    "виза",
    "мобильность",
    "трудовая",
    "интеграция",
    "диаспора",
    "торговля",
    "защита",
    "беженцы",
    "партнёрство",
    "сотрудничество",
    "потенциал",
    "диалог",
    "министерская",
    "конференция",
    "декларация",
    "проект",
    "обучение",
    "сезонные",
    "работники",
    "переводы",
]
ARABIC = [
    "الهجرة",
    "العودة",
    "إعادة",
    "اللجوء",
    "الحدود",
    "التأشيرة",
    "التنقل",
    "العمل",
    "الاندماج",
    "الشتات",
    "الاتجار",
    "الحماية",
    "اللاجئين",
    "الشراكة",
    "التعاون",
    "القدرات",
    "الحوار",
    "المؤتمر",
    "الوزاري",
    "الإعلان",
    "المشروع",
]
MARKINGS = ["public"] * 8 + ["participants"] * 4 + ["member_states"] * 4 + ["delegations"] * 2
MARKINGS += ["internal"] * 2
QUERIES = [
    ("one common word", "migration"),
    ("two words", "seasonal workers"),
    ("a rare word", "zanzibarword"),
    ("a Russian word", "реадмиссия"),
    ("an Arabic word", "اللجوء"),
    ("a title prefix", "reintegr"),
]


def cpu_seconds(pid: int) -> float:
    """A process's CPU time: from ``schedstat`` in nanoseconds where the kernel keeps it (``stat``
    counts in ticks of 10 ms, coarser than a query)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- The child: one backend -----------------------------------------------------------------


def generate(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from dialogue.models import Dialogue, State
    from documents import search
    from documents.models import Document, Revision, RevisionText
    from meetings.models import Meeting

    call_command("load_demo", quiet=True)
    rng = random.Random(16)  # noqa: S311 - generated data, the same every run
    dialogue = Dialogue.objects.get(slug="budapest-process")
    meetings = list(Meeting.objects.filter(dialogue=dialogue))
    staff = get_user_model().objects.get(email="staff.budapest@demo.example.org")
    states = list(State.objects.filter(code__in=["GE", "PK", "IQ", "TR"]))
    start = Document.objects.count()
    now = timezone.now()
    with transaction.atomic():
        documents = []
        for n in range(count):
            meeting = meetings[n % len(meetings)] if n % 5 else None
            marking = MARKINGS[n % len(MARKINGS)]
            if marking == "participants" and meeting is None:
                marking = "public"
            topic = " ".join(rng.sample(ENGLISH, 3))
            documents.append(
                Document(
                    dialogue=dialogue,
                    meeting=meeting,
                    kind=rng.choice(["background_paper", "report", "conclusions", "other"]),
                    series="BENCH",
                    year=2000 + n % 26,
                    number=n + 1,
                    symbol=f"BP/BENCH/{2000 + n % 26}/{n + 1}",
                    title_i18n={"en": f"Paper on {topic}", "ru": " ".join(rng.sample(RUSSIAN, 3))},
                    marking=marking,
                    created_by=staff,
                    created_at=now,
                    updated_at=now,
                )
            )
        Document.objects.bulk_create(documents, batch_size=1000)
        created = list(Document.objects.filter(series="BENCH").order_by("pk"))
        through = Document.named_states.through
        through.objects.bulk_create(
            [
                through(document_id=d.pk, state_id=states[d.pk % len(states)].pk)
                for d in created
                if d.marking == "delegations"
            ]
        )
        revisions = []
        for d in created:
            language = ["en", "en", "ru", "ar"][d.pk % 4]
            revisions.append(
                Revision(
                    document=d,
                    language=language,
                    number=1,
                    file=f"bench/{d.pk}.txt",
                    original_name="paper.txt",
                    content_type="text/plain; charset=utf-8",
                    extension="txt",
                    size=2000,
                    sha256="0" * 64,
                    uploaded_by=staff,
                )
            )
        Revision.objects.bulk_create(revisions, batch_size=1000)
        texts = []
        for revision in Revision.objects.filter(document__series="BENCH"):
            words = {"en": ENGLISH, "ru": RUSSIAN, "ar": ARABIC}[revision.language]
            body = " ".join(rng.choice(words) for _ in range(300))
            if revision.document_id % 97 == 0:
                body += " zanzibarword"
            texts.append(RevisionText(revision=revision, status="done", text=body))
        RevisionText.objects.bulk_create(texts, batch_size=1000)
    ids = [d.pk for d in created]
    for i in range(0, len(ids), 500):
        with transaction.atomic():
            search.reindex(ids[i : i + 500])
    from django.db import connection

    if connection.vendor == "postgresql":  # the statistics a live database has
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"  {len(ids)} documents generated and indexed (and {start} of the demo)")


def measure(repeat: int) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dialogue import permissions
    from documents import queries as document_queries
    from documents import views

    viewer = get_user_model().objects.get(email="fp.georgia@demo.example.org")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    policy = permissions.documents_visible_to

    def unfiltered(user: Any) -> Any:
        from documents.models import Document

        return Document.objects.all()

    rows = []
    for label, query in QUERIES:
        path = f"/dialogues/budapest-process/documents/?q={query}"
        result: dict[str, Any] = {"query": label}
        for mode in ("policy", "no policy"):
            views.permissions.documents_visible_to = policy if mode == "policy" else unfiltered
            document_queries.forget_scopes()  # the SQL kept for the other mode's filter
            try:
                client.get(path)  # warm
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                queries = len(captured)
                assert response.status_code == 200, response.status_code  # noqa: S101
                text = response.content.decode()
                hits = text.split('role="status">', 1)[1].split("<", 1)[0].strip()
                samples, in_database = [], []
                for _ in range(repeat):
                    db_before = cpu_seconds(backend_pid) if backend_pid else 0.0
                    before = time.process_time()
                    client.get(path)
                    spent = time.process_time() - before
                    db = cpu_seconds(backend_pid) - db_before if backend_pid else 0.0
                    samples.append((spent + db) * 1000)
                    in_database.append(db * 1000)
            finally:
                views.permissions.documents_visible_to = policy
                document_queries.forget_scopes()
            result[mode] = (statistics.median(samples), queries, hits)
            result[f"{mode} db"] = statistics.mean(in_database)
        rows.append(result)
    return rows


def child(database: str, count: int, repeat: int) -> int:
    os.environ["DATABASE_URL"] = database
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    generate(count)
    before = load()
    rows = measure(repeat)
    after = load()
    name = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (FTS5)"
    print(f"\nLibrary search, {count:,} generated documents, {name}: a focal point's request")
    print(
        f"{'query':<18} {'hits (policy)':<15} {'CPU ms':>8} {'queries':>8}   "
        f"{'hits (no policy)':<17} {'CPU ms':>8} {'queries':>8}   {'ratio':>6}"
    )
    for row in rows:
        on_ms, on_q, on_hits = row["policy"]
        off_ms, off_q, off_hits = row["no policy"]
        print(
            f"{row['query']:<18} {on_hits:<15} {on_ms:>8.1f} {on_q:>8}   "
            f"{off_hits:<17} {off_ms:>8.1f} {off_q:>8}   {on_ms / off_ms:>5.2f}x"
        )
    if connection.vendor == "postgresql":
        print(
            "of which the database backend (mean ms): "
            + ", ".join(f"{r['query']}: {r['policy db']:.1f}" for r in rows)
        )
    print(
        "CPU ms: the median of the requests, Django's process plus the database backend; "
        "bar: under 50 ms with the policy, the same number of queries for every query."
    )
    print(f"load average (1, 5, 15 min) before: {before}, after: {after} ({os.cpu_count()} CPUs)")
    return 0


# --- The parent ---------------------------------------------------------------------------------


def postgresql_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {DB_NAME}")
        return True
    except Exception as error:
        log(f"PostgreSQL not reachable ({error}): SQLite only")
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--documents", type=int, default=None)
    options, _ = parser.parse_known_args(argv)
    count = options.documents or (2_000 if options.quick else 10_000)
    repeat = 5 if options.quick else 20
    code = 0
    with tempfile.TemporaryDirectory() as directory:
        databases = [f"sqlite:///{directory}/bench_search.sqlite3"]
        if postgresql_reachable():
            databases.insert(0, PG_URL)
        for database in databases:
            log(f"search bench on {database.split(':')[0]} …")
            done = subprocess.run(  # noqa: S603 - this script, as its child
                [PY, __file__, "child", database, str(count), str(repeat)], check=False
            )
            code = code or done.returncode
    if PG_URL in databases:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    return code


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        sys.exit(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    sys.exit(main(sys.argv[1:]))
