"""Administration: users and roles (admins), invitations (coordinators and admins)."""


def init_app(app) -> None:
    from . import routes
    app.register_blueprint(routes.bp)
