"""Texts per language: each *_en/*_ru pair becomes one JSON object per row, the texts kept
(``dialogue.translations``; docs/architecture.md, "Languages as data")."""

import django.db.models.fields.json
from django.db import migrations, models


APP = "dialogue"
# model: {new field: (English field, Russian field)}
PAIRS = {
    "body": {"name_i18n": ["name_en", "name_ru"]},
    "dialogue": {
        "name_i18n": ["name_en", "name_ru"],
        "description_i18n": ["description_en", "description_ru"],
    },
    "organisation": {"name_i18n": ["name_en", "name_ru"]},
    "state": {"name_i18n": ["name_en", "name_ru"]},
    "thematicarea": {"name_i18n": ["name_en", "name_ru"]},
}


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
        ("dialogue", "0003_chair_acts_for_a_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="body",
            name="name_i18n",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="dialogue",
            name="description_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="dialogue",
            name="name_i18n",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="name_i18n",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="state",
            name="name_i18n",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="thematicarea",
            name="name_i18n",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveConstraint(
            model_name="body",
            name="body_unique",
        ),
        migrations.RemoveConstraint(
            model_name="thematicarea",
            name="thematic_area_unique",
        ),
        migrations.RemoveField(
            model_name="body",
            name="name_en",
        ),
        migrations.RemoveField(
            model_name="body",
            name="name_ru",
        ),
        migrations.RemoveField(
            model_name="dialogue",
            name="description_en",
        ),
        migrations.RemoveField(
            model_name="dialogue",
            name="description_ru",
        ),
        migrations.RemoveField(
            model_name="dialogue",
            name="name_en",
        ),
        migrations.RemoveField(
            model_name="dialogue",
            name="name_ru",
        ),
        migrations.RemoveField(
            model_name="organisation",
            name="name_en",
        ),
        migrations.RemoveField(
            model_name="organisation",
            name="name_ru",
        ),
        migrations.RemoveField(
            model_name="state",
            name="name_en",
        ),
        migrations.RemoveField(
            model_name="state",
            name="name_ru",
        ),
        migrations.RemoveField(
            model_name="thematicarea",
            name="name_en",
        ),
        migrations.RemoveField(
            model_name="thematicarea",
            name="name_ru",
        ),
        migrations.AddConstraint(
            model_name="body",
            constraint=models.UniqueConstraint(
                models.F("dialogue"),
                django.db.models.fields.json.KeyTextTransform("en", "name_i18n"),
                name="body_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="thematicarea",
            constraint=models.UniqueConstraint(
                models.F("dialogue"),
                django.db.models.fields.json.KeyTextTransform("en", "name_i18n"),
                name="thematic_area_unique",
            ),
        ),
        migrations.AlterModelOptions(
            name="body",
            options={
                "ordering": [
                    "dialogue",
                    "position",
                    django.db.models.fields.json.KeyTextTransform("en", "name_i18n"),
                ],
                "verbose_name": "body",
                "verbose_name_plural": "bodies",
            },
        ),
        migrations.AlterModelOptions(
            name="dialogue",
            options={
                "ordering": [django.db.models.fields.json.KeyTextTransform("en", "name_i18n")],
                "verbose_name": "dialogue",
                "verbose_name_plural": "dialogues",
            },
        ),
        migrations.AlterModelOptions(
            name="organisation",
            options={
                "ordering": [django.db.models.fields.json.KeyTextTransform("en", "name_i18n")],
                "verbose_name": "organisation",
                "verbose_name_plural": "organisations",
            },
        ),
        migrations.AlterModelOptions(
            name="state",
            options={
                "ordering": [django.db.models.fields.json.KeyTextTransform("en", "name_i18n")],
                "verbose_name": "state",
                "verbose_name_plural": "states",
            },
        ),
    ]
