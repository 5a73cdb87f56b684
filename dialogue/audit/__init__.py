"""The permanent record (audit trail): who decided what, and who read whose personal data,
when and from where; kept for years (``settings.AUDIT_RETENTION_YEARS``), never changed.

``models`` holds the row (named by ``dialogue.models``); ``trail`` the one helper services call
inside their transaction (``trail.record``), the client's address it reads, the reads of the
record for the secretariat admin and the purge of entries past their retention. Append-only:
the model refuses updates and deletions, and on PostgreSQL a trigger refuses them to every
client (migration ``dialogue 0008``).
"""
