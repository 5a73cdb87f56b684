"""The project's ASGI application without ``PacedResponses``, ``StreamedBodies`` and the Daphne
guard (``install_daphne_guard``): for ``bench/downloads.py`` to show what Daphne does with a
streamed response when nothing waits for a slow client, and with a large upload. Never deploy."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from config.request_limits import BodySizeLimit  # noqa: E402 - needs Django set up first

application = BodySizeLimit(django_asgi_app)
