"""Administration: users and roles (admins), invitations (coordinators and admins)."""


def init_app(app) -> None:
    from . import routes, security_routes  # noqa: F401  (its views are on routes.bp)
    app.register_blueprint(routes.bp)
