"""The public course catalogue (current and next fiscal year) and the program's statistics.

Anyone may read the catalogue, a course's outline and its General Information page, and the
statistics by subject, region and year; coordinators and admins also see them by training
center. The catalogue outline (expected outputs, target organizations, eligibility, series) is
kept beside the course in ``CourseOutline`` and edited by the course's coordinators.
"""


def init_app(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..navigation import nav_link
    from . import routes

    app.register_blueprint(routes.bp)
    nav_link("catalogue.index", _l("Courses catalogue"), order=5)
