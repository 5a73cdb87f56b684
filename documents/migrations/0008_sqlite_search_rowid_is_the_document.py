# On SQLite, each row of the FTS5 search index (documents/search.py) gets the document's id as
# its rowid: FTS5 reads a rowid from its index, the UNINDEXED document_id column from its
# content table row by row (measured: 16 ms for the 5,000 hits of a common word). Rows written
# before are written again with it. PostgreSQL's index is a table keyed by document_id already.

from django.db import migrations


def rowid_is_the_document(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (
        "CREATE TEMP TABLE documents_search_rows AS "
        "SELECT document_id, titles, body FROM documents_search",
        "DELETE FROM documents_search",
        # One row a document (the newest, should an old write have left two).
        "INSERT INTO documents_search (rowid, document_id, titles, body) "
        "SELECT document_id, document_id, titles, body FROM documents_search_rows "
        "WHERE rowid IN (SELECT max(rowid) FROM documents_search_rows GROUP BY document_id)",
        "DROP TABLE documents_search_rows",
    ):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0007_search_words_and_indexes_without_pending_list"),
    ]

    operations = [migrations.RunPython(rowid_is_the_document, migrations.RunPython.noop)]
