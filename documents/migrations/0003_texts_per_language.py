"""Texts per language: each *_en/*_ru pair becomes one JSON object per row, the texts kept
(``dialogue.translations``; docs/architecture.md, "Languages as data")."""

from django.db import migrations, models


APP = "documents"
# model: {new field: (English field, Russian field)}
PAIRS = {"document": {"title_i18n": ["title_en", "title_ru"]}}


def _texts(english: str, russian: str) -> dict[str, str]:
    return {
        code: text.strip()
        for code, text in (("en", english), ("ru", russian))
        if text and text.strip()
    }


def _checks_now(schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL queues the foreign-key checks of the rows updated here until the commit, and
    then refuses to alter those tables in the same transaction: check them as each is made."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Each *_en/*_ru pair becomes one ``{"en": ..., "ru": ...}`` (empty texts left out)."""
    _checks_now(schema_editor)
    for model_name, pairs in PAIRS.items():
        model = apps.get_model(APP, model_name)
        rows = list(model.objects.all())
        for row in rows:
            for new, (english, russian) in pairs.items():
                setattr(row, new, _texts(getattr(row, english), getattr(row, russian)))
        model.objects.bulk_update(rows, list(pairs), batch_size=500)


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back to the pairs: English and Russian kept; texts in other languages cannot go back."""
    _checks_now(schema_editor)
    for model_name, pairs in PAIRS.items():
        model = apps.get_model(APP, model_name)
        rows = list(model.objects.all())
        for row in rows:
            for new, (english, russian) in pairs.items():
                texts = getattr(row, new) or {}
                setattr(row, english, texts.get("en", ""))
                setattr(row, russian, texts.get("ru", ""))
        model.objects.bulk_update(
            rows, [name for pair in pairs.values() for name in pair], batch_size=500
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_original_name_255_bytes"),
        ("meetings", "0006_texts_per_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="title_i18n",
            field=models.JSONField(default=dict, verbose_name="title"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveField(
            model_name="document",
            name="title_en",
        ),
        migrations.RemoveField(
            model_name="document",
            name="title_ru",
        ),
    ]
