# The search index on PostgreSQL (documents/search.py), made for reading:
# - a column `words`, the searched words without their positions and weights (`strip`), that a
#   search matches: a few hundred bytes a document where `everything` (kept for ranking a page)
#   is compressed and read whole for every row a scan meets; its GIN index replaces the one on
#   `everything`, which nothing matches any more;
# - GIN indexes without a pending list: with `fastupdate` on, what reindex() writes waits in an
#   unsorted list that every search reads whole until a vacuum merges it (measured: 10,000
#   documents indexed at once left the whole index in that list, and a rare word took 20 ms
#   instead of 1). The index is written when a document or a text changes, seldom; it is read
#   at every search.

from django.db import migrations

FORWARD = (
    "ALTER TABLE documents_search ADD COLUMN words tsvector",
    "UPDATE documents_search SET words = strip(everything)",
    "ALTER TABLE documents_search ALTER COLUMN words SET NOT NULL",
    "CREATE INDEX documents_search_words ON documents_search USING gin (words) "
    "WITH (fastupdate = off)",
    "DROP INDEX documents_search_everything",
    "ALTER INDEX documents_search_titles SET (fastupdate = off)",
    "SELECT gin_clean_pending_list('documents_search_titles'::regclass)",
)
BACKWARD = (
    "ALTER INDEX documents_search_titles RESET (fastupdate)",
    "CREATE INDEX documents_search_everything ON documents_search USING gin (everything)",
    "ALTER TABLE documents_search DROP COLUMN words",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0006_revision_texts_and_search"),
    ]

    operations = [migrations.RunPython(forward, backward)]
