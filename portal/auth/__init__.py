"""Accounts: sign-in, invitations, password resets, preferences."""


def init_app(app) -> None:
    from . import routes
    app.register_blueprint(routes.bp)
