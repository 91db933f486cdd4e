"""The distance-learning library: materials, search, the player, uploads and the index sync.

Two blueprints: ``bp`` (pages under /library, and the ``flask library`` commands) and ``api_bp``
(the JSON API under /api/v1). Registering ``bp`` also adds the ``flask index`` commands.
"""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..navigation import nav_link

bp = Blueprint("library", __name__, url_prefix="/library", cli_group="library")
nav_link("library.home", _l("Library"), order=20)

from . import outbox, indexing, previews, processing  # noqa: E402,F401  (hook and jobs register)
from . import cli, files, manage_routes, routes  # noqa: E402,F401
from .api import bp as api_bp  # noqa: E402,F401


@bp.record_once
def _register(state) -> None:
    state.app.cli.add_command(cli.index)
