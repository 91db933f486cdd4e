"""Resumable uploads (the one path every file takes into storage) and file downloads: the
records of what people sent (``models``), the policy (``purposes``, ``checks``) and the sweep of
what was abandoned (``sweep``, ``flask storage sweep``)."""


def init_app(app) -> None:
    from ..storage.cli import storage
    from . import cli, routes

    app.register_blueprint(routes.bp)
    # In the `flask storage` group operators know (one group object: adding again changes nothing).
    storage.add_command(cli.sweep)
