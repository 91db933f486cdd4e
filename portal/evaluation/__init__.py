"""End-of-course evaluation: a questionnaire per course, answered once by each participant at
the end of the stay in Japan or later, optionally without signing (see ``models`` for how the
answers are kept apart from who answered); results, year-to-year comparison and CSV for the
course's staff.
"""


def init_app(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..navigation import nav_link
    from . import panels, routes  # noqa: F401  (panels: the dashboard's, registered on import)

    app.register_blueprint(routes.bp)
    nav_link("evaluation.mine", _l("Evaluations"), order=40)
