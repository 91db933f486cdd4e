"""Action plans drafted in Japan and the progress reports alumni send after their return."""


def init_app(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..navigation import nav_link

    # panels: the dashboard's; reminders: follow course dates (a signal receiver); cli: the
    # command on the blueprint. Each registers on import.
    from . import cli, panels, reminders, routes  # noqa: F401

    app.register_blueprint(routes.bp)
    nav_link("action_plans.my_plans", _l("Action plans"), order=30)   # participants'
    nav_link("action_plans.courses", _l("Action plans"), order=30)    # staff's
    nav_link("action_plans.practice", _l("Alumni practice"), order=35)
