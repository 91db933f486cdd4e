"""Accounts: sign-in, invitations, password resets, preferences."""


def init_app(app) -> None:
    from . import routes, two_step_routes
    app.register_blueprint(routes.bp)
    app.register_blueprint(two_step_routes.bp)
    app.before_request(two_step_routes.enforce_enrolment)
    from .cli import two_step_reset
    app.cli.add_command(two_step_reset)
