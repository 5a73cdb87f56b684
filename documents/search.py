"""The library's search inside documents: an index of each document's symbol, titles and texts,
kept by the write actions, and the search over it, ranked, with highlighted snippets.

The index has one row per document, in the table ``documents_search``:

- on PostgreSQL, three ``tsvector`` columns: ``titles`` (the symbol and every title, weight
  A), ``everything`` (those and the text of each language version, weight D; read to rank the
  hits of one page) and ``words`` (``everything`` without positions or weights: what a search
  matches, small enough to scan). ``titles`` and ``words`` have GIN indexes without a pending
  list (migration 0007). Each text is read with its language's configuration (``CONFIGS``:
  English, Russian and Arabic stem their words), the symbol and titles also with "simple"
  (prefixes of any word);
- on SQLite (the embedded default), an FTS5 virtual table (``unicode61``, diacritics removed)
  with the columns ``titles`` and ``body``, whose rowid is the document's id.

The text of a language version is the newest revision's whose text was read
(``documents.extraction``). A search asks every language's reading of the words at once
(across languages), puts a document whose symbol or title matches above one matched only in a
text, then orders by rank (``ts_rank`` or ``bm25``; on PostgreSQL a title hit by its title
vector, and the texts are ranked only when the page reaches past the title hits; the count is
taken without ranking). Who may see what is decided before
anything is counted: the search runs only over the documents the caller passes (already
``permissions.documents_visible_to`` and the filters), so a document the reader may not see
contributes no hit, no count and no snippet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dialogue.translations import site_languages

from .models import Document, RevisionText, TextStatus

TABLE = "documents_search"
# The text-search configuration of each language PostgreSQL has one for; any other language
# is read word by word ("simple"). PostgreSQL 15 has "arabic" (Snowball), checked with \dF.
CONFIGS = {
    "en": "english",
    "ru": "russian",
    "ar": "arabic",
    "fr": "french",
    "de": "german",
    "tr": "turkish",
}
# What of a text is indexed (a tsvector holds at most 1 MB) and read for a snippet.
INDEXED_CHARS = 200_000
SNIPPET_SOURCE_CHARS = 50_000
# The window of it a snippet is made from, starting this far before the first match.
SNIPPET_WINDOW_CHARS = 800
SNIPPET_BEFORE_CHARS = 200
MAX_WORDS = 12
# Snippet marks: control characters, which extracted text never contains (extractors.py), so
# the text can be escaped whole and the marks turned into <mark> afterwards.
START, STOP = "\x02", "\x03"


def config(language: str) -> str:
    return CONFIGS.get(language, "simple")


# --- Keeping the index ------------------------------------------------------------------------


def reindex(document_ids: Iterable[int]) -> None:
    """Write the index rows of these documents from their symbol, titles and read texts (in
    the caller's transaction): three queries whatever their number, and one write each."""
    ids = sorted(set(document_ids))
    if not ids or connection.vendor not in ("postgresql", "sqlite"):
        return
    documents = Document.objects.filter(pk__in=ids).values_list("pk", "symbol", "title_i18n")
    texts: dict[int, dict[str, str]] = {}
    for document_id, language, text in (
        RevisionText.objects.filter(
            revision__document_id__in=ids, status=TextStatus.DONE, text__gt=""
        )
        .order_by("revision__document_id", "revision__language", "-revision__number")
        .values_list("revision__document_id", "revision__language", "text")
    ):
        texts.setdefault(document_id, {}).setdefault(language, text[:INDEXED_CHARS])
    with connection.cursor() as cursor:
        for document_id, symbol, titles in documents:
            titles = {k: v for k, v in (titles or {}).items() if isinstance(v, str) and v}
            bodies = texts.get(document_id, {})
            if connection.vendor == "postgresql":
                _write_postgresql(cursor, document_id, symbol, titles, bodies)
            else:
                _write_sqlite(cursor, document_id, symbol, titles, bodies)


def _write_postgresql(
    cursor: Any, document_id: int, symbol: str, titles: dict[str, str], bodies: dict[str, str]
) -> None:
    title_parts = ["setweight(to_tsvector('simple', %s), 'A')"]
    title_params: list[Any] = [" ".join([symbol, *titles.values()])]
    for language, title in titles.items():
        title_parts.append(f"setweight(to_tsvector('{config(language)}', %s), 'A')")
        title_params.append(title)
    body_parts, body_params = [], []
    for language, body in bodies.items():
        body_parts.append(f"setweight(to_tsvector('{config(language)}', %s), 'D')")
        body_params.append(body)
    title_sql = " || ".join(title_parts)
    everything_sql = " || ".join([f"({title_sql})", *body_parts])
    cursor.execute(
        f"INSERT INTO {TABLE} (document_id, titles, everything, words) "  # noqa: S608
        "SELECT %s, titles, everything, strip(everything) FROM "
        f"(SELECT {title_sql} AS titles, {everything_sql} AS everything) AS made "
        "ON CONFLICT (document_id) DO UPDATE SET titles = EXCLUDED.titles, "
        "everything = EXCLUDED.everything, words = EXCLUDED.words",
        [document_id, *title_params, *title_params, *body_params],
    )


def _write_sqlite(
    cursor: Any, document_id: int, symbol: str, titles: dict[str, str], bodies: dict[str, str]
) -> None:
    # The row's rowid is the document's id: FTS5 reads a rowid from its index, an UNINDEXED
    # column from its content table, row by row (16 ms for the 5,000 hits of a common word).
    cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [document_id])  # noqa: S608
    cursor.execute(
        f"INSERT INTO {TABLE} (rowid, document_id, titles, body) "  # noqa: S608
        "VALUES (%s, %s, %s, %s)",
        [
            document_id,
            document_id,
            "\n".join([symbol, *titles.values()]),
            "\n\n".join(bodies.values()),
        ],
    )


def forget_gone(**kwargs: Any) -> None:
    """Remove the index rows of documents that are no longer there (the index has no foreign
    key, see migration 0005): after ``migrate`` and after a ``flush``."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE document_id NOT IN "  # noqa: S608 - no input in it
            "(SELECT id FROM documents_document)"
        )


def missing(limit: int = 500) -> list[int]:
    """Documents without an index row (stored before the index existed): the worker adds them."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return []
    key = "document_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id FROM documents_document d WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {TABLE} s WHERE s.{key} = d.id) ORDER BY d.id LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Searching --------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text)[:MAX_WORDS]


@dataclass
class Hit:
    document_id: int
    title_hit: bool
    snippet: SafeString | None = None
    snippet_language: str = ""


class Results:
    """The hits of a search among ``documents``, best first, for a ``Paginator``: ``count()``
    is one query, a page two (the hits, then the snippets of that page only)."""

    def __init__(
        self,
        documents: QuerySet[Document] | tuple[str, Sequence[Any]],
        text: str,
        reader_language: str,
        *,
        window: tuple[int, int] | None = None,
    ) -> None:
        self.words = words_of(text)
        # The page that will be asked (offset, size): its hits come with the count, in one query.
        self.window = window
        self._cached: dict[int, list[Hit]] = {}  # the hits read with the count, by offset
        if isinstance(documents, QuerySet):
            documents = documents.order_by().values("pk").query.sql_with_params()
        sub_sql, sub_params = documents  # SQL selecting the ids of the documents searched
        self.visible_sql, self.visible_params = sub_sql, list(sub_params)
        self.reader_language = reader_language
        self.postgresql = connection.vendor == "postgresql"

    # The query, in each backend's language.

    def _tsquery(self) -> tuple[str, list[Any]]:
        """The reading of the words by the configuration of each of the site's languages,
        or-ed, and each word as a prefix."""
        phrase = " ".join(self.words)
        configs = sorted({config(code) for code in site_languages()} - {"simple"})
        parts = [f"plainto_tsquery('{c}', %s)" for c in configs]
        prefixes = " & ".join(f"{w}:*" for w in self.words)
        sql = "(" + " || ".join([*parts, "to_tsquery('simple', %s)"]) + ")"
        return sql, [phrase] * (len(parts)) + [prefixes]

    def _match(self) -> str:
        return " ".join(f'"{w}"*' for w in self.words)

    @cached_property
    def _total(self) -> int:
        if not self.words:
            return 0
        if self.window is not None:
            offset, limit = self.window
            hits, total = self._page(offset, limit)
            if hits or offset == 0:
                self._cached[offset] = hits
                return total
        with connection.cursor() as cursor:
            if self.postgresql:
                q, q_params = self._tsquery()
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} s WHERE s.words @@ {q} "  # noqa: S608
                    f"AND s.document_id IN ({self.visible_sql})",
                    [*q_params, *self.visible_params],
                )
            else:
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH %s "  # noqa: S608
                    f"AND +rowid IN ({self.visible_sql})",
                    [self._match(), *self.visible_params],
                )
            return int(cursor.fetchone()[0])

    def count(self) -> int:
        return self._total

    def __len__(self) -> int:
        return self._total

    def __getitem__(self, window: slice) -> list[Hit]:
        if not isinstance(window, slice):
            raise TypeError("Results are read a page at a time")
        start, stop = window.start or 0, window.stop
        if not self.words or stop is None or stop <= start:
            return []
        cached = self._cached.get(start)
        if cached is not None and self.window is not None and stop <= start + self.window[1]:
            hits = cached[: stop - start]  # the last page: as many as there are
        else:
            hits, _ = self._page(start, stop - start)
        self._add_snippets(hits)
        return hits

    def _page(self, offset: int, limit: int) -> tuple[list[Hit], int]:
        """The hits of a page and the count of all (0 when the page is past the last)."""
        with connection.cursor() as cursor:
            if self.postgresql:
                q, q_params = self._tsquery()
                # The hits the viewer may see, counted without ranking; a title hit ranked on its
                # small title vector as it is found. The page then takes the title hits first and
                # ranks the text of the others only when the page reaches past the title hits
                # (an Append under a Limit never starts the branch it does not need).
                cursor.execute(
                    "WITH hits AS MATERIALIZED (SELECT s.document_id, "  # noqa: S608 - no input in it
                    f"CASE WHEN s.titles @@ {q} THEN ts_rank(s.titles, {q}) END AS title_rank "
                    f"FROM {TABLE} s WHERE s.words @@ {q} "
                    f"AND s.document_id IN ({self.visible_sql})) "
                    "SELECT page.document_id, page.title_hit, page.rank, "
                    "(SELECT count(*) FROM hits) FROM ("
                    "(SELECT h.document_id, true AS title_hit, h.title_rank AS rank FROM hits h "
                    "WHERE h.title_rank IS NOT NULL "
                    "ORDER BY h.title_rank DESC, h.document_id DESC LIMIT %s) "
                    "UNION ALL "
                    f"(SELECT h.document_id, false, (SELECT ts_rank(b.everything, {q}) "
                    f"FROM {TABLE} b WHERE b.document_id = h.document_id) AS rank "
                    "FROM hits h WHERE h.title_rank IS NULL "
                    "ORDER BY rank DESC, h.document_id DESC LIMIT %s)"
                    ") AS page LIMIT %s OFFSET %s",
                    [
                        *q_params,
                        *q_params,
                        *q_params,
                        *self.visible_params,
                        offset + limit,
                        *q_params,
                        offset + limit,
                        limit,
                        offset,
                    ],
                )
            else:
                match = self._match()
                # bm25() is not allowed beside a window function: ranked in a subquery. The
                # rowid is the document's id; "+rowid" keeps FTS5 from being asked once per
                # visible document (the policy's set is read once, as a list to look up).
                cursor.execute(
                    "SELECT document_id, title_hit, rank, count(*) OVER () FROM ("  # noqa: S608
                    f"SELECT rowid AS document_id, rowid IN (SELECT rowid FROM {TABLE} "
                    f"WHERE {TABLE} MATCH %s) AS title_hit, bm25({TABLE}, 0.0, 10.0, 1.0) AS rank "
                    f"FROM {TABLE} WHERE {TABLE} MATCH %s AND +rowid IN ({self.visible_sql})"
                    ") ORDER BY title_hit DESC, rank ASC, document_id DESC LIMIT %s OFFSET %s",
                    [f"titles : ({match})", match, *self.visible_params, limit, offset],
                )
            found = cursor.fetchall()
            hits = [Hit(int(row[0]), bool(row[1])) for row in found]
            return hits, int(found[0][3]) if found else 0

    def _add_snippets(self, hits: Sequence[Hit]) -> None:
        """The snippet of each hit of the page: the matching words of a text in context, in the
        reader's language when it matches there, else in the first language where it does."""
        if not hits:
            return
        ids = [hit.document_id for hit in hits]
        found: dict[int, dict[str, str]] = {}
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            if self.postgresql:
                q, q_params = self._tsquery()
                configs = " ".join(
                    f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in CONFIGS.items()
                )
                # ts_headline parses and stems every word it is given (some 0.6 ms for 300
                # words): it reads only a window of the text around the first place where a
                # searched word's stem appears as written (the start when none does).
                stems = [w.lower()[: max(4, len(w) - 3)] for w in self.words]
                first = ", ".join(["NULLIF(strpos(lower(body), %s), 0)"] * len(stems))
                cursor.execute(
                    "SELECT document_id, language, ts_headline("  # noqa: S608 - no input in it
                    f"CASE language {configs} ELSE 'simple'::regconfig END, "
                    f"substr(body, greatest(1, coalesce(least({first}), 1) - %s), %s), {q}, %s) "
                    "FROM (SELECT DISTINCT ON (r.document_id, r.language) r.document_id, "
                    "r.language, left(t.text, %s) AS body "
                    "FROM documents_revisiontext t "
                    "JOIN documents_revision r ON r.id = t.revision_id "
                    f"WHERE r.document_id IN ({placeholders}) AND t.status = 'done' "
                    "AND t.text <> '' "
                    "ORDER BY r.document_id, r.language, r.number DESC) AS current",
                    [
                        *stems,
                        SNIPPET_BEFORE_CHARS,
                        SNIPPET_WINDOW_CHARS,
                        *q_params,
                        f'StartSel="{START}", StopSel="{STOP}", MaxWords=24, MinWords=8, '
                        'MaxFragments=2, FragmentDelimiter=" … "',
                        SNIPPET_SOURCE_CHARS,
                        *ids,
                    ],
                )
                for document_id, language, text in cursor.fetchall():
                    found.setdefault(document_id, {})[language] = text
            else:
                cursor.execute(
                    f"SELECT rowid, snippet({TABLE}, 2, %s, %s, '…', 24) "  # noqa: S608
                    f"FROM {TABLE} WHERE {TABLE} MATCH %s "
                    f"AND +rowid IN ({placeholders})",
                    [START, STOP, self._match(), *ids],
                )
                for document_id, text in cursor.fetchall():
                    found.setdefault(document_id, {})[""] = text
        for hit in hits:
            by_language = {k: v for k, v in found.get(hit.document_id, {}).items() if START in v}
            if not by_language:
                continue
            language = (
                self.reader_language if self.reader_language in by_language else min(by_language)
            )
            hit.snippet = _marked(by_language[language])
            hit.snippet_language = language


def _marked(text: str) -> SafeString:
    """The snippet escaped whole, then its marks as ``<mark>``: nothing of the file's text is
    ever markup."""
    shown = escape(" ".join(text.split()))
    return mark_safe(shown.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped above
