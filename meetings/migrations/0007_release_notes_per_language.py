"""Changelog notes per language: a release's note becomes one JSON object, kept in its
meeting's first working language (``dialogue.translations``)."""

from django.db import migrations, models


def _checks_now(schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL queues the foreign-key checks of the rows updated here until the commit, and
    then refuses to alter those tables in the same transaction: check them as each is made."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _checks_now(schema_editor)
    release = apps.get_model("meetings", "AgendaRelease")
    rows = list(release.objects.select_related("meeting"))
    for row in rows:
        language = (row.meeting.languages or ["en"])[0]
        row.note_i18n = {language: row.note.strip()} if row.note.strip() else {}
    release.objects.bulk_update(rows, ["note_i18n"], batch_size=500)


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _checks_now(schema_editor)
    release = apps.get_model("meetings", "AgendaRelease")
    rows = list(release.objects.select_related("meeting"))
    for row in rows:
        order = [*(row.meeting.languages or []), "en", *row.note_i18n]
        row.note = next((row.note_i18n[c] for c in order if c in row.note_i18n), "")[:500]
    release.objects.bulk_update(rows, ["note"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0006_texts_per_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="agendarelease",
            name="note_i18n",
            field=models.JSONField(default=dict, verbose_name="changelog note"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveField(
            model_name="agendarelease",
            name="note",
        ),
    ]
