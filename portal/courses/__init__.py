"""Courses and enrollments: course pages and editing, staff, nomination-list imports,
enrollment states, the participants' CSV and the dashboard panels.

Visibility (issue 4, point 9): admins see every course; coordinators the courses they
coordinate; instructors the courses assigned to them; participants their own enrollments.
See ``services`` for the rules, which every view applies through ``services.course_for``.
"""


def init_app(app) -> None:
    from ..i18n import language_name, lazy_gettext as _l
    from ..navigation import nav_link
    from . import panels, routes  # noqa: F401  (panels: the dashboard's, registered on import)

    app.register_blueprint(routes.bp)
    nav_link("courses.index", _l("Courses"), order=10)
    app.jinja_env.globals.update(_vocabulary())  # constants: not asked again at each render
    app.add_template_filter(language_name, "language_name")


def _vocabulary() -> dict:
    from ..i18n import language_name
    from .messages import import_reading_message, import_result_message, row_problem_message
    from .vocabulary import PROGRAM_TYPES, REGIONS
    return {"PROGRAM_TYPES": PROGRAM_TYPES, "REGIONS": REGIONS, "language_name": language_name,
            "row_problem_message": row_problem_message,
            "import_result_message": import_result_message,
            "import_reading_message": import_reading_message}
