from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings

from dialogue.demo import DEMO_LOADERS, DEMO_PASSWORD, load_demo_accounts
from dialogue.reference import load_reference_data


class Command(BaseCommand):
    help = "Load (or refresh) the reference data and the demo accounts. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        load_reference_data()
        accounts = load_demo_accounts()
        # The loaders write the demo on the secretariat's behalf, not through a signed-in
        # session: the two-factor wall, which demo accounts pass only in DEBUG (where they
        # get the shared TOTP secret), is not asked of them.
        with override_settings(SECRETARIAT_REQUIRES_2FA=False):
            summaries = [loader() for loader in DEMO_LOADERS]
        if options["quiet"]:
            return
        for summary in summaries:
            self.stdout.write(summary)
        self.stdout.write("Demo accounts:")
        for account in accounts:
            roles = ", ".join(
                f"{kind} ({state or organisation}) {slug}"
                if state or organisation
                else f"{kind} {slug}"
                for slug, kind, state, organisation in account.roles
            )
            language = "" if account.language == "en" else f"  [interface: {account.language}]"
            self.stdout.write(f"  {account.email:40} {roles}{language}")
        if settings.DEBUG:
            self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
            self.stdout.write(
                "Secretariat accounts also ask for a two-factor code: run `make totp` "
                "(or `python manage.py demo_totp`) to print the current one."
            )
        else:
            self.stdout.write("DEBUG is off: demo accounts have no usable password.")
