"""Every outcome that went out (shared for comment or adopted) gets its text as Rev.1, released
when it was shared (or adopted); its comments are on Rev.1. Drafts stay unreleased."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Outcome = apps.get_model("meetings", "Outcome")
    OutcomeRevision = apps.get_model("meetings", "OutcomeRevision")
    OutcomeComment = apps.get_model("meetings", "OutcomeComment")
    for outcome in Outcome.objects.exclude(status="draft").iterator():
        if OutcomeRevision.objects.filter(outcome=outcome).exists():
            continue
        revision = OutcomeRevision.objects.create(
            outcome=outcome,
            number=1,
            title_i18n=outcome.title_i18n,
            text_i18n=outcome.text_i18n,
            released_at=outcome.shared_at or outcome.adopted_at or outcome.updated_at,
            released_by_id=outcome.created_by_id,
        )
        OutcomeComment.objects.filter(outcome=outcome, revision__isnull=True).update(
            revision=revision
        )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0012_outcome_revisions_and_silence")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
