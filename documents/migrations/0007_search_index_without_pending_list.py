# The GIN indexes of the search (documents/search.py) without a pending list: with
# `fastupdate` on, what reindex() writes waits in an unsorted list that every search reads
# whole until a vacuum merges it (measured: 10,000 documents indexed at once left the whole
# index in that list, and a rare word took 20 ms instead of 1). The index is written when a
# document or a text changes, seldom; it is read at every search.

from django.db import migrations

INDEXES = ("documents_search_titles", "documents_search_everything")


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0006_revision_texts_and_search"),
    ]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
