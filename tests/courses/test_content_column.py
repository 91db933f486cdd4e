"""The TranslatedText column type keeps only known languages with text."""
from __future__ import annotations

import pytest

from portal.courses.models import Course
from portal.extensions import db


def test_written_content_is_cleaned(app, make_course):
    course_id = make_course(title={"en": " Water ", "fr": "", "es": "   ", "xx": "unknown",
                                   "ja": "水"}, description={})
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.title == {"en": "Water", "ja": "水"}
        assert course.description == {}


def test_content_must_be_a_dict(app, make_course):
    with pytest.raises(Exception, match="lang: text"):
        make_course(title="Water")
