"""Storage and search-index components, registered in ``app.extensions`` by name."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def init_app(app: Flask) -> None:
    try:
        from . import storage
    except ImportError:  # the storage package is being written; health reports it missing
        storage = None
    url = app.config["STORAGE_URL"]
    if url.startswith("file://"):  # the embedded default: the folder is made on first start
        Path(url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    if storage is not None and hasattr(storage, "init_app"):
        storage.init_app(app)
    from .library.indexing import LibraryIndex
    app.extensions["search_index"] = LibraryIndex(app.config["SEARCH_INDEX_DIR"])
