"""Assignments: what participants are asked to hand in, their submissions and versions,
review, extensions, reminders and the coordinator's matrix."""


def init_app(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..navigation import nav_link

    # panels: the dashboard panels; cli, routes_staff: the blueprint. Each registers on import.
    from . import cli, panels, routes, routes_staff  # noqa: F401

    app.register_blueprint(routes.bp)
    nav_link("assignments.mine", _l("My assignments"), order=30)
