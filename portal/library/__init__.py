"""The distance-learning library: materials, search, the player, uploads and the index sync.

Two blueprints: ``routes.bp`` (pages under /library, and the ``flask library`` commands) and
``api.bp`` (the JSON API under /api/v1); ``init_app`` also adds the ``flask index`` commands.
"""


def init_app(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..navigation import nav_link

    # outbox: the session hook; indexing, previews, processing, transcription, document_text:
    # their jobs; cli, manage_routes and transcription_routes add to the blueprint. Each
    # registers on import.
    from . import (  # noqa: F401
        api,
        cli,
        document_text,
        indexing,
        manage_routes,
        outbox,
        previews,
        processing,
        routes,
        transcription,
        transcription_routes,
    )

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.index)
    nav_link("library.home", _l("Library"), order=20)
