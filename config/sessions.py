"""Django's database sessions, with the session read by one statement of our own SQL.

The row is the same and so is the check (the key, not yet expired): only the ORM's building of
the query on every signed-in request is saved. Sessions stay in the database and are read on
every request: signing out deletes the row, and every process sees it at once (no cache that
could keep an ended session alive, and none whose failure could fail a request)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    @classmethod
    @functools.cache
    def _select(cls) -> str:
        model = cls.get_model_class()
        # Table name from the model, no input (S608).
        return (
            f'SELECT session_data FROM "{model._meta.db_table}"'  # noqa: S608
            " WHERE session_key = %s AND expire_date > %s"
        )

    def load(self) -> dict[str, Any]:
        model = self.model
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(self._select(), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
