"""Documents can live in an S3-compatible store by configuration alone."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages
from storages.backends.s3 import S3Storage


def test_an_s3_compatible_store_is_a_matter_of_configuration(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "dialogue-documents",
                "endpoint_url": "https://s3.example.org",
                "access_key": "key",
                "secret_key": "secret",
            },
        },
    }
    store = storages["documents"]
    assert isinstance(store, S3Storage)
    assert (store.bucket_name, store.endpoint_url) == (
        "dialogue-documents",
        "https://s3.example.org",
    )
