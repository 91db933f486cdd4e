"""Object storage: one small interface, a local folder by default, S3-compatible in production.

``init_app(app)`` builds the backend named by ``STORAGE_URL`` (``file:///abs/path`` or
``s3://bucket/prefix``; the ``S3_*`` and ``AWS_*`` settings come from the app config, else the
environment) and keeps it in ``app.extensions["storage"]``; ``get_storage()`` returns it.
"""
from __future__ import annotations

import os

from . import local, s3  # noqa: F401  (register the backends)
from .base import (
    MultipartNotFound, ObjectNotFound, PartRejected, RangeNotSatisfiable, StorageBackend,
    StorageError, StorageUnavailable, WriteResult, backend_for, register,
)

SETTINGS = ("S3_ENDPOINT_URL", "S3_PUBLIC_ENDPOINT_URL", "S3_REGION", "S3_ADDRESSING_STYLE",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_CONNECT_TIMEOUT", "S3_READ_TIMEOUT",
            "S3_MAX_ATTEMPTS", "S3_COMPLETE_TIMEOUT")

__all__ = ["MultipartNotFound", "ObjectNotFound", "PartRejected", "RangeNotSatisfiable",
           "StorageBackend", "StorageError", "StorageUnavailable", "WriteResult", "backend_for",
           "get_storage", "init_app", "register"]


def settings_of(config) -> dict:
    """The storage settings: from ``config`` where set, else from the environment."""
    return {name: config.get(name) or os.environ.get(name) for name in SETTINGS}


def init_app(app) -> StorageBackend:
    url = app.config.get("STORAGE_URL") or "file://" + os.path.join(app.instance_path, "storage")
    backend = backend_for(url, settings_of(app.config))
    app.extensions["storage"] = backend
    return backend


def get_storage() -> StorageBackend:
    """The current app's storage backend."""
    from flask import current_app

    return current_app.extensions["storage"]
