"""The public knowledge page of a dialogue: its public outcomes and resources by year and
theme, with their language versions, whoever reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dialogue.models import ThematicArea, User
from documents import services
from documents.models import Document
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.documents.conftest import pdf

pytestmark = pytest.mark.django_db

PAGE = "/dialogues/budapest-process/knowledge/"


def test_knowledge_page_lists_public_outcomes_and_resources_with_their_languages(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    conclusions = add(kind="conclusions", title={"en": "Istanbul conclusions"})
    services.add_revision(by=staff, document=conclusions, language="ru", upload=pdf("ru"))
    add(kind="background_paper", title={"en": "Background on return"})
    add(kind="conclusions", title={"en": "Conclusions for participants"}, marking="participants")
    add(kind="report", title={"en": "Internal report"}, marking="internal")
    add(kind="agenda", title={"en": "The agenda"})
    withdrawn = add(kind="report", title={"en": "Withdrawn report"})
    services.withdraw_document(by=staff, document=withdrawn, reason="Replaced")
    for reader in (None, staff):  # the public's view, even for the secretariat
        page = client_for(reader).get(PAGE).content.decode()
        assert "Istanbul conclusions" in page
        assert "Background on return" in page
        assert page.index("Outcome documents") < page.index("Istanbul conclusions")
        assert page.index("Resources") < page.index("Background on return")
        assert f'href="/documents/{conclusions.pk}/ru/"' in page
        assert f'href="/documents/{conclusions.pk}/en/"' in page
        assert f'<h2 id="year-{meeting.starts_at.year}-heading"' in page
        for hidden in (
            "Conclusions for participants",
            "Internal report",
            "The agenda",
            "Withdrawn",
        ):
            assert hidden not in page


def test_knowledge_page_shows_one_theme_when_asked(
    world: World, meeting: Meeting, add: Callable[..., Document]
) -> None:
    returns = ThematicArea.objects.create(dialogue=world.dialogue, name_i18n={"en": "Return"})
    ThematicArea.objects.create(dialogue=world.dialogue, name_i18n={"en": "Asylum"})
    add(kind="conclusions", title={"en": "Istanbul conclusions"})
    other = ThematicArea.objects.get(name_i18n__en="Asylum")
    anonymous = client_for(None)
    meeting.body.thematic_areas.set([returns])
    on_return = anonymous.get(PAGE, {"theme": returns.pk}).content.decode()
    on_asylum = anonymous.get(PAGE, {"theme": other.pk}).content.decode()
    assert "Istanbul conclusions" in on_return
    assert "Istanbul conclusions" not in on_asylum
    everything = anonymous.get(PAGE, {"theme": "x"}).content.decode()
    assert "Istanbul conclusions" in everything  # a theme it cannot read: no filter
    assert f'<a href="?theme={returns.pk}">Return</a>' in everything


def test_knowledge_page_costs_the_same_queries_at_1_and_30_documents(
    world: World, add: Callable[..., Document]
) -> None:
    client = client_for(None)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    add(kind="conclusions")
    few = queries()
    for n in range(29):
        add(kind=["conclusions", "report", "background_paper"][n % 3])
    # the dialogue, its themes, the documents (their meetings and bodies), the themes of
    # those bodies, the revisions
    assert (few, queries()) == (5, 5)
