"""Preparing the next meeting like an earlier one: its set-up copied, nothing personal."""
