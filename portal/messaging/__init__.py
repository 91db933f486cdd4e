"""Messaging: announcements from staff to a course's participants (filtered by state, progress
and country, in several languages, on the dashboard and by mail), and staff notifications of
new hand-ins, resubmissions and extension requests (at once, daily, or off)."""


def init_app(app) -> None:
    # panels: the dashboard panel; cli: the blueprint's command. Each registers on import.
    from . import cli, panels, routes  # noqa: F401

    app.register_blueprint(routes.bp)
    app.add_template_global(routes.preference_form, "notice_preference_form")
