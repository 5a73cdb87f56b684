"""Signed webhooks from the event log: every event a subscription's owner may see, delivered as a
numbered, signed JSON POST, at least once and in order per subscription (``delivery``)."""
