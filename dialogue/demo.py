"""Demo accounts for trying the platform locally (``make run`` loads them).

Passwords and the shared TOTP secret are set only when DEBUG is on: a production database
never gets a known password, the accounts are created with unusable ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.db import transaction

from . import services
from .models import Dialogue, Organisation, Role, RoleKind, State, User

DEMO_PASSWORD = "demo-dialogue-2026"  # noqa: S105 - printed by `make run`; only set with DEBUG on
# Base32; every demo secretariat account shares it so one authenticator entry serves them all.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - demo only, as above

PP, BP = "prague-process", "budapest-process"

# Demo loaders of the apps built on this one (meetings, documents), registered in their
# AppConfig.ready() and run by `load_demo` after the accounts, in order. Each is idempotent.
DEMO_LOADERS: list[Callable[[], str]] = []


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    title: str
    affiliation: str
    roles: tuple[
        tuple[str, str, str | None, str | None], ...
    ]  # dialogue, kind, state, organisation
    language: str = "en"
    time_zone: str = "Europe/Vienna"

    @property
    def is_secretariat(self) -> bool:
        return any(
            kind in ("secretariat_admin", "secretariat_staff") for _, kind, _, _ in self.roles
        )


ACCOUNTS = (
    DemoAccount(
        "admin@demo.example.org",
        "Anna Weber",
        "Head of Secretariat",
        "ICMPD",
        (
            (PP, RoleKind.SECRETARIAT_ADMIN, None, None),
            (BP, RoleKind.SECRETARIAT_ADMIN, None, None),
        ),
    ),
    DemoAccount(
        "staff.prague@demo.example.org",
        "Pavel Novák",
        "Programme Officer, Prague Process",
        "ICMPD",
        ((PP, RoleKind.SECRETARIAT_STAFF, None, None),),
    ),
    DemoAccount(
        "staff.budapest@demo.example.org",
        "Lena Hofer",
        "Programme Officer, Budapest Process",
        "ICMPD",
        ((BP, RoleKind.SECRETARIAT_STAFF, None, None),),
    ),
    DemoAccount(
        "fp.georgia@demo.example.org",
        "Nino Beridze",
        "Head of Migration Division",
        "Ministry of Internal Affairs of Georgia",
        ((PP, RoleKind.FOCAL_POINT, "GE", None), (BP, RoleKind.FOCAL_POINT, "GE", None)),
        time_zone="Asia/Tbilisi",
    ),
    DemoAccount(
        "fp.moldova@demo.example.org",
        "Ion Rusu",
        "Senior Adviser",
        "Bureau for Migration and Asylum, Republic of Moldova",
        ((PP, RoleKind.FOCAL_POINT, "MD", None),),
        language="ru",
        time_zone="Europe/Chisinau",
    ),
    DemoAccount(
        "fp.pakistan@demo.example.org",
        "Ayesha Khan",
        "Director (Migration)",
        "Ministry of Overseas Pakistanis",
        ((BP, RoleKind.FOCAL_POINT, "PK", None),),
        time_zone="Asia/Karachi",
    ),
    DemoAccount(
        "fp.iraq@demo.example.org",
        "Ahmed Al-Hasani",
        "Director of Migration Affairs",
        "Ministry of Migration and Displaced, Republic of Iraq",
        ((BP, RoleKind.FOCAL_POINT, "IQ", None),),
        language="ar",  # the Arabic interface, right to left
        time_zone="Asia/Baghdad",
    ),
    DemoAccount(
        "delegate.georgia@demo.example.org",
        "Giorgi Kapanadze",
        "Chief Specialist",
        "Public Service Development Agency, Georgia",
        ((BP, RoleKind.DELEGATE, "GE", None),),
        time_zone="Asia/Tbilisi",
    ),
    DemoAccount(
        "observer.iom@demo.example.org",
        "Maria Costa",
        "Regional Migration Officer",
        "IOM",
        ((BP, RoleKind.OBSERVER, None, "iom"),),
    ),
    DemoAccount(
        "chair.turkiye@demo.example.org",
        "Mehmet Yılmaz",
        "Deputy Director General",
        "Presidency of Migration Management, Türkiye",
        ((BP, RoleKind.CHAIR, "TR", None),),
        time_zone="Europe/Istanbul",
    ),
)


@transaction.atomic
def load_demo_accounts() -> list[DemoAccount]:
    """Create or refresh the demo accounts and their roles. Idempotent."""
    dialogues = {d.slug: d for d in Dialogue.objects.all()}
    for account in ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(account.email, password=None)
        services.update_profile(
            user=user,
            full_name=account.full_name,
            title=account.title,
            affiliation=account.affiliation,
            preferred_language=account.language,
            time_zone=account.time_zone,
        )
        if settings.DEBUG:
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        elif user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        for slug, kind, code, organisation in account.roles:
            dialogue = dialogues[slug]
            already = Role.objects.active().filter(user=user, dialogue=dialogue, kind=kind).exists()
            if not already:
                services.grant_role(
                    by=None,
                    user=user,
                    dialogue=dialogue,
                    kind=kind,
                    state=State.objects.get(code=code) if code else None,
                    organisation=Organisation.objects.get(slug=organisation)
                    if organisation
                    else None,
                )
        if account.is_secretariat and settings.DEBUG:
            has_totp = Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
            if not has_totp:
                TOTP.activate(user, DEMO_TOTP_SECRET)
    return list(ACCOUNTS)


def current_demo_code() -> str:
    """The TOTP code the demo secretariat accounts accept right now."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
