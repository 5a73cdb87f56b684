from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress

from dialogue.models import Dialogue, Membership, Organisation, Role, State, User


class DialogueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dialogue
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"dialogue-{n}")
    name_i18n = factory.Sequence(lambda n: {"en": f"Dialogue {n}", "ru": f"Диалог {n}"})
    acronym = factory.Sequence(lambda n: f"D{n}")
    languages = factory.LazyFunction(lambda: ["en", "ru"])


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = State
        django_get_or_create = ("code",)

    code = factory.Iterator(["GE", "MD", "AM", "TR", "AT", "KZ", "UA", "PK"])
    name_i18n = factory.LazyAttribute(
        lambda o: {"en": f"State {o.code}", "ru": f"Государство {o.code}"}
    )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = "iom"
    short = "IOM"
    name_i18n = factory.LazyFunction(
        lambda: {
            "en": "International Organization for Migration",
            "ru": "Международная организация по миграции",
        }
    )
    kind = Organisation.Kind.UN_AGENCY


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    dialogue = factory.SubFactory(DialogueFactory)
    state = factory.SubFactory(StateFactory)
    kind = Membership.Kind.PARTICIPATING
    valid_from = datetime.date(2009, 4, 28)


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified e-mail address and the password ``password``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("password")

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    dialogue = factory.SubFactory(DialogueFactory)
    kind = Role.kind.field.choices[0][0]
