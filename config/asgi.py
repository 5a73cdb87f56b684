"""ASGI entry point: HTTP through Django, WebSockets through Channels.

HTTP goes through Django's handler, a sync view's request served in one hop to its thread
(``config/one_hop.py``). WebSockets pass the origin check (scheme, host and port; a missing
Origin is refused) and carry the Django session.
HTTP requests pass the body-size cap and streamed responses are paced to the client
(``config/request_limits.py``).
"""

import gc
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # as get_asgi_application() does

from config.one_hop import OneHopASGIHandler  # noqa: E402 - needs Django set up

# Django's handler, with a sync view served in one hop to its thread (config/one_hop.py).
django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - needs Django set up
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config import websocket_server  # noqa: E402
from config.client_address import ClientAddress  # noqa: E402
from config.origins import origin_allowed  # noqa: E402
from config.request_limits import (  # noqa: E402
    BodySizeLimit,
    PacedResponses,
    StreamedBodies,
    install_daphne_guard,
)
from notifications import going_away  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402
from notifications.socket_auth import LiveAuthStack  # noqa: E402

install_daphne_guard()
websocket_server.install()
going_away.install()

# A process holding thousands of sockets keeps about a million objects alive; full collections
# of them stalled fan-out for 100-500 ms every few seconds (bench/live.py). Freeze what setup
# made and collect the young generation less often.
gc.freeze()
gc.set_threshold(50_000, 20, 10)


class OriginCheck(OriginValidator):
    """Channels' origin check, comparing scheme, host and port (``config/origins.py``): a
    pattern without a scheme in Channels' own would admit any scheme and any port."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=())

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is not None and origin_allowed(
            parsed_origin.geturl(), settings.WEBSOCKET_ALLOWED_ORIGINS
        )


application = ProtocolTypeRouter(
    {
        # StreamedBodies first: both it and PacedResponses find Daphne's request behind `send`.
        "http": StreamedBodies(PacedResponses(BodySizeLimit(django_asgi_app))),
        "websocket": OriginCheck(LiveAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
# Every door sees the real client (forwarded headers only from TRUSTED_PROXIES).
application = ClientAddress(application)
