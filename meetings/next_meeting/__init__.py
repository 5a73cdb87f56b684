"""Preparing the next meeting like an earlier one: its set-up copied through the ordinary
services, dates shifted, nothing personal.

``services`` holds the write action named here; ``views`` and ``forms`` the secretariat's page.
"""

from .services import Copied, prepare_next_meeting

__all__ = ["Copied", "prepare_next_meeting"]
