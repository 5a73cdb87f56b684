"""Texts per language: each *_en/*_ru pair becomes one JSON object per row, the texts kept
(``dialogue.translations``; docs/architecture.md, "Languages as data")."""

import django.db.models.fields.json
from django.db import migrations, models


APP = "meetings"
# model: {new field: (English field, Russian field)}
PAIRS = {
    "actionpoint": {"text_i18n": ["text_en", "text_ru"]},
    "agendaitem": {
        "title_i18n": ["title_en", "title_ru"],
        "description_i18n": ["description_en", "description_ru"],
    },
    "followupquestion": {"text_i18n": ["text_en", "text_ru"]},
    "meeting": {
        "title_i18n": ["title_en", "title_ru"],
        "description_i18n": ["description_en", "description_ru"],
        "city_i18n": ["city", "city_ru"],
    },
    "outcome": {"title_i18n": ["title_en", "title_ru"], "text_i18n": ["text_en", "text_ru"]},
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
    EXTRA_FORWARD(apps)


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


def EXTRA_FORWARD(apps):  # type: ignore[no-untyped-def]
    """A meeting without working languages gets its dialogue's (the rule the service keeps)."""
    meeting = apps.get_model("meetings", "Meeting")
    for row in meeting.objects.filter(languages=[]).select_related("dialogue"):
        row.languages = list(row.dialogue.languages or ["en"])
        row.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_original_name_255_bytes"),
        ("dialogue", "0004_texts_per_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionpoint",
            name="text_i18n",
            field=models.JSONField(default=dict, verbose_name="action"),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="description_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="title_i18n",
            field=models.JSONField(default=dict, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="followupquestion",
            name="text_i18n",
            field=models.JSONField(default=dict, verbose_name="question"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="city_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="city"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="description_i18n",
            field=models.JSONField(blank=True, default=dict, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="title_i18n",
            field=models.JSONField(default=dict, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="outcome",
            name="text_i18n",
            field=models.JSONField(default=dict, verbose_name="text"),
        ),
        migrations.AddField(
            model_name="outcome",
            name="title_i18n",
            field=models.JSONField(default=dict, verbose_name="title"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveField(
            model_name="actionpoint",
            name="text_en",
        ),
        migrations.RemoveField(
            model_name="actionpoint",
            name="text_ru",
        ),
        migrations.RemoveField(
            model_name="agendaitem",
            name="description_en",
        ),
        migrations.RemoveField(
            model_name="agendaitem",
            name="description_ru",
        ),
        migrations.RemoveField(
            model_name="agendaitem",
            name="title_en",
        ),
        migrations.RemoveField(
            model_name="agendaitem",
            name="title_ru",
        ),
        migrations.RemoveField(
            model_name="followupquestion",
            name="text_en",
        ),
        migrations.RemoveField(
            model_name="followupquestion",
            name="text_ru",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="city",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="city_ru",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="description_en",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="description_ru",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="title_en",
        ),
        migrations.RemoveField(
            model_name="meeting",
            name="title_ru",
        ),
        migrations.RemoveField(
            model_name="outcome",
            name="text_en",
        ),
        migrations.RemoveField(
            model_name="outcome",
            name="text_ru",
        ),
        migrations.RemoveField(
            model_name="outcome",
            name="title_en",
        ),
        migrations.RemoveField(
            model_name="outcome",
            name="title_ru",
        ),
        migrations.AlterModelOptions(
            name="outcomecomment",
            options={
                "ordering": [
                    "outcome",
                    django.db.models.fields.json.KeyTextTransform("en", "state__name_i18n"),
                    "created_at",
                ],
                "verbose_name": "comment",
                "verbose_name_plural": "comments",
            },
        ),
    ]
