"""Announcements per language: a title and a text become one JSON object each, the text kept in
its dialogue's first working language (``dialogue.translations``)."""

from django.db import migrations, models


def _checks_now(schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL queues the foreign-key checks of the rows updated here until the commit, and
    then refuses to alter those tables in the same transaction: check them as each is made."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _checks_now(schema_editor)
    announcement = apps.get_model("dialogue", "Announcement")
    rows = list(announcement.objects.select_related("dialogue"))
    for row in rows:
        language = (row.dialogue.languages or ["en"])[0]
        row.title_i18n = {language: row.title} if row.title.strip() else {}
        row.body_i18n = {language: row.body} if row.body.strip() else {}
    announcement.objects.bulk_update(rows, ["title_i18n", "body_i18n"], batch_size=500)


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    _checks_now(schema_editor)
    announcement = apps.get_model("dialogue", "Announcement")
    rows = list(announcement.objects.select_related("dialogue"))
    for row in rows:
        order = [*(row.dialogue.languages or []), "en", *row.title_i18n]
        row.title = next((row.title_i18n[c] for c in order if c in row.title_i18n), "")[:200]
        row.body = next((row.body_i18n[c] for c in order if c in row.body_i18n), "")[:5000]
    announcement.objects.bulk_update(rows, ["title", "body"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0004_texts_per_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="announcement",
            name="body_i18n",
            field=models.JSONField(default=dict, verbose_name="text"),
        ),
        migrations.AddField(
            model_name="announcement",
            name="title_i18n",
            field=models.JSONField(default=dict, verbose_name="title"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveField(
            model_name="announcement",
            name="body",
        ),
        migrations.RemoveField(
            model_name="announcement",
            name="title",
        ),
    ]
