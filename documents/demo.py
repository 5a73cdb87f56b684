"""Demo documents (filled in below)."""

from __future__ import annotations


def load_demo_documents() -> str:
    return "documents: none"
