"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSockets pass the origin check (a missing Origin is refused) and carry the Django session.
HTTP requests pass the body-size cap and streamed responses are paced to the client
(``config/request_limits.py``).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.client_address import ClientAddress  # noqa: E402
from config.request_limits import (  # noqa: E402
    BodySizeLimit,
    PacedResponses,
    StreamedBodies,
    install_daphne_guard,
)
from notifications.routing import websocket_urlpatterns  # noqa: E402

install_daphne_guard()

# A process holding thousands of sockets keeps about a million objects alive; full collections
# of them stalled fan-out for 100-500 ms every few seconds (bench/live.py). Freeze what setup
# made and collect the young generation less often.
gc.freeze()
gc.set_threshold(50_000, 20, 10)

application = ProtocolTypeRouter(
    {
        # StreamedBodies first: both it and PacedResponses find Daphne's request behind `send`.
        "http": StreamedBodies(PacedResponses(BodySizeLimit(django_asgi_app))),
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)
# Every door sees the real client (forwarded headers only from TRUSTED_PROXIES).
application = ClientAddress(application)
