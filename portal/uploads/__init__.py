"""Resumable uploads (the one path every file takes into storage) and file downloads."""


def init_app(app) -> None:
    from . import routes
    app.register_blueprint(routes.bp)
