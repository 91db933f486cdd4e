"""Resumable uploads (the one path every file takes into storage) and file downloads."""
from flask import Blueprint

bp = Blueprint("uploads", __name__)

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
