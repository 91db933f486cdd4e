"""Object storage: one small interface, a local folder by default, S3-compatible in production.

``init_app(app)`` builds the backend named by ``STORAGE_URL`` (``file:///abs/path`` or
``s3://bucket/prefix``; the ``S3_*`` and ``AWS_*`` settings come from the app config, filled by
``portal/config.py``) and keeps it in ``app.extensions["storage"]``; ``get_storage()`` returns it.
"""
from __future__ import annotations

from .. import config
from . import local, s3  # noqa: F401  (register the backends)
from .base import (
    MultipartNotFound,
    ObjectNotFound,
    PartRejected,
    RangeNotSatisfiable,
    StorageBackend,
    StorageError,
    StorageUnavailable,
    WriteResult,
    backend_for,
    register,
)

# The backends' settings, typed and defaulted by the configuration table.
SETTINGS = tuple(s.env for s in config.SETTINGS if s.env.startswith(("S3_", "AWS_")))

__all__ = ["MultipartNotFound", "ObjectNotFound", "PartRejected", "RangeNotSatisfiable",
           "StorageBackend", "StorageError", "StorageUnavailable", "WriteResult", "backend_for",
           "get_storage", "init_app", "register"]


def settings_of(app_config) -> dict:
    """The storage settings of an app's config."""
    return {name: app_config.get(name) for name in SETTINGS}


def init_app(app) -> StorageBackend:
    backend = backend_for(app.config["STORAGE_URL"], settings_of(app.config))
    app.extensions["storage"] = backend
    return backend


def get_storage() -> StorageBackend:
    """The current app's storage backend."""
    from flask import current_app

    return current_app.extensions["storage"]
