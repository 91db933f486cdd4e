"""Links from a course page to the other domains' pages about that course, shown only when
those domains are installed (the courses domain does not import them)."""
from __future__ import annotations

from flask import current_app, url_for

from ..i18n import lazy_gettext as _l

# (endpoint, label, takes course_id)
TEACHING = (("assignments.course", _l("Assignments"), True),
            ("assignments.queue", _l("Review queue"), True),
            ("assignments.matrix", _l("Progress matrix"), True),
            ("action_plans.course_plans", _l("Action plans"), True),
            ("evaluation.results", _l("Evaluation results"), True),
            ("catalogue.course", _l("Catalogue outline"), True),
            ("messaging.course_announcements", _l("Announcements"), True))
PARTICIPATING = (("assignments.mine", _l("Your work"), False),
                 ("action_plans.my_plans", _l("Your action plans"), False),
                 ("messaging.mine", _l("Announcements"), False))
# (Participants find the end-of-course questionnaire on their dashboard once it has questions.)


def course_links(course, teach: bool) -> list[tuple[str, object]]:
    """(url, label) of the related pages ``teach``ers or participants may open."""
    links = []
    for endpoint, label, with_id in (TEACHING if teach else PARTICIPATING):
        if endpoint in current_app.view_functions:
            values = {"course_id": course.id} if with_id else {}
            links.append((url_for(endpoint, **values), label))
    return links
