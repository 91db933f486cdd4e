"""Creating and editing courses: validation, who coordinates, phases, the list and its filters."""
import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.courses.models import Course
from portal.dates import fiscal_year_of, not_closed_condition, phase_condition, report_due_dates
from portal.extensions import db


def _form(**overrides):
    data = {"code": "WATER-2026", "subject": "water-resources", "program_type": "group-region",
            "training_center": "Kansai", "region": "africa", "languages": ["fr", "en"],
            "pre_arrival_opens": "2026-05-01", "arrival": "2026-06-01",
            "departure": "2026-07-01", "report_months": "3, 6", "fiscal_year": "",
            "title_en": "Urban water supply", "title_fr": "Approvisionnement en eau urbain",
            "title_es": "", "description_en": "Non-revenue water.", "objectives_fr": "Réduire"}
    data.update(overrides)
    return data


def _course(app, code):
    with app.app_context():
        return db.session.execute(select(Course).where(Course.code == code)).scalar_one_or_none()


def test_coordinator_creates_a_course_and_coordinates_it(app, login_as):
    client, coordinator = login_as("coordinator")
    response = client.submit("/courses/new", _form(), page="/courses/new")
    assert response.status_code == 302
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.code == "WATER-2026")).scalar_one()
        assert [c.id for c in course.coordinators] == [coordinator.id]
        assert course.title == {"en": "Urban water supply",
                                "fr": "Approvisionnement en eau urbain"}
        assert course.objectives == {"fr": "Réduire"}
        assert course.languages == ["fr", "en"] and course.report_months == [3, 6]
        assert course.fiscal_year == 2026 and course.region == "africa"
        assert course.closes_on == date(2027, 2, 1)  # 6 months + 1 after departure
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Urban water supply" in page and "WATER-2026" in page


@pytest.mark.parametrize("overrides,message", [
    ({"departure": "2026-06-01"}, "The departure from Japan must come after the arrival."),
    ({"departure": "2026-05-20"}, "The departure from Japan must come after the arrival."),
    ({"pre_arrival_opens": "2026-06-02"}, "The pre-arrival phase must open before the arrival"),
    ({"arrival": ""}, "Enter the date of arrival in Japan."),
    ({"arrival": "2026-13-45"}, "Enter the date of arrival in Japan."),
    ({"title_en": "", "title_fr": ""}, "Enter a title in at least one language."),
    ({"report_months": "three"}, "Give whole numbers of months between 1 and 60"),
    ({"report_months": "0, 99"}, "Give whole numbers of months between 1 and 60"),
    ({"languages": []}, "Choose at least one language of instruction."),
    ({"code": "bad code!"}, "Use letters, digits, dots, hyphens and underscores only."),
    ({"subject": "astrology"}, "Not a valid choice"),
    ({"title_en": "x" * 201}, "201"),
])
def test_bad_input_is_refused_with_what_was_typed(app, login_as, overrides, message):
    client, _ = login_as("coordinator")
    response = client.submit("/courses/new", _form(**overrides), page="/courses/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html or (message == "201" and "200" in html)
    assert "Approvisionnement en eau urbain" in html or overrides.get("title_fr") == ""
    assert _course(app, "WATER-2026") is None


def test_date_messages_in_french(app, login_as):
    client, _ = login_as("coordinator", language="fr")
    response = client.submit("/courses/new", _form(departure="2026-05-01"), page="/courses/new")
    assert response.status_code == 400
    assert "Le départ du Japon doit suivre l'arrivée." in html.unescape(
        response.get_data(as_text=True))


def test_duplicate_code_is_a_conflict(app, login_as, make_course):
    make_course(code="WATER-2026")
    client, _ = login_as("coordinator")
    response = client.submit("/courses/new", _form(code="water-2026"), page="/courses/new")
    assert response.status_code == 409
    assert "Another course already has this code." in response.get_data(as_text=True)


def test_every_problem_of_the_course_form_is_said_at_once(app, login_as, make_course):
    """A missing title, dates out of order and a code in use: one answer names all three,
    each beside its field and in the summary (issue 18: three round trips before)."""
    make_course(code="WATER-2026")
    client, _ = login_as("coordinator")
    response = client.submit("/courses/new", _form(
        code="water-2026", title_en="", title_fr="", departure="2026-05-15"),
        page="/courses/new")
    page = html.unescape(response.get_data(as_text=True))
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    for message in ("Enter a title in at least one language.",
                    "The departure from Japan must come after the arrival.",
                    "Another course already has this code."):
        assert message in summary, message
    assert page.count("Another course already has this code.") == 2  # and beside the code
    assert _course(app, "water-2026") is None


def test_edit_keeps_languages_and_explicit_fiscal_year(app, login_as, make_course):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    page = client.get("/courses/%d/edit" % course_id).get_data(as_text=True)
    assert "Gestion des pêches" in page and 'value="3, 6"' in page
    response = client.submit("/courses/%d/edit" % course_id,
                             _form(code="EDITED", fiscal_year="2025", title_es="Agua"),
                             page="/courses/%d/edit" % course_id)
    assert response.status_code == 302
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.code == "EDITED" and course.fiscal_year == 2025
        assert course.title["es"] == "Agua"


def test_admin_may_edit_any_course_a_coordinator_only_theirs(app, login_as, make_course,
                                                            make_user):
    other = make_user("coordinator")
    course_id = make_course(coordinators=[other.id])
    coordinator, _ = login_as("coordinator")
    assert coordinator.get("/courses/%d/edit" % course_id).status_code == 404
    admin, _ = login_as("admin")
    assert admin.get("/courses/%d/edit" % course_id).status_code == 200


@pytest.mark.parametrize("day,expected", [
    (date(2026, 3, 31), 2025), (date(2026, 4, 1), 2026), (date(2027, 1, 15), 2026)])
def test_japan_fiscal_year_starts_in_april(day, expected):
    assert fiscal_year_of(day) == expected


def test_phases_follow_the_dates_in_python_and_sql(app, make_course):
    today = date.today()
    d = timedelta
    specs = {
        "upcoming": (today + d(1), today + d(10), today + d(20)),
        "pre-arrival": (today, today + d(1), today + d(20)),
        "in-japan": (today - d(10), today, today + d(5)),
        "post-return": (today - d(60), today - d(30), today - d(1)),
        "closed": (today - d(600), today - d(500), today - d(400)),
    }
    for phase, (opens, arrival, departure) in specs.items():
        make_course(code=phase, pre_arrival_opens=opens, arrival=arrival, departure=departure)
    with app.app_context():
        for phase in specs:
            course = db.session.execute(select(Course).where(Course.code == phase)).scalar_one()
            assert course.phase() == phase
            found = db.session.execute(select(Course.code).where(phase_condition(Course, phase))
                                       ).scalars().all()
            assert found == [phase]
        # The last report (6 months) falls due, then a month later the course closes.
        course = db.session.execute(select(Course).where(Course.code == "post-return")
                                    ).scalar_one()
        last = report_due_dates(course)[-1][1]
        assert course.phase(last) == "post-return"
        assert course.phase(course.closes_on + d(1)) == "closed"


def test_not_closed_in_sql_is_every_phase_but_closed(app, make_course):
    """Dashboards list the courses not closed with this condition: it agrees with the phases."""
    today = date.today()
    make_course(code="open", pre_arrival_opens=today - timedelta(60),
                arrival=today - timedelta(30), departure=today - timedelta(1))
    make_course(code="gone", pre_arrival_opens=today - timedelta(600),
                arrival=today - timedelta(500), departure=today - timedelta(400))
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.code == "open")).scalar_one()

        def not_closed(day):
            return db.session.execute(select(Course.code).where(
                not_closed_condition(Course, day)).order_by(Course.code)).scalars().all()

        assert not_closed(today) == ["open"]
        assert not_closed(course.closes_on) == ["open"]
        assert course.phase(course.closes_on) == "post-return"
        assert not_closed(course.closes_on + timedelta(1)) == []
        assert course.phase(course.closes_on + timedelta(1)) == "closed"


def test_list_filters_by_year_phase_and_subject(app, login_as, make_course):
    client, coordinator = login_as("coordinator")
    mine = [coordinator.id]
    make_course(code="A-2025", fiscal_year=2025, subject="health", coordinators=mine)
    make_course(code="B-2026", fiscal_year=2026, subject="health", coordinators=mine)
    make_course(code="C-2026", fiscal_year=2026, subject="education", coordinators=mine,
                pre_arrival_opens=date.today() + timedelta(10),
                arrival=date.today() + timedelta(20), departure=date.today() + timedelta(30))
    make_course(code="NOT-MINE", fiscal_year=2026, subject="health")

    def codes(query):
        html = client.get("/courses" + query).get_data(as_text=True)
        return {c for c in ("A-2025", "B-2026", "C-2026", "NOT-MINE") if c in html}

    assert codes("") == {"A-2025", "B-2026", "C-2026"}
    assert codes("?fiscal_year=2026") == {"B-2026", "C-2026"}
    assert codes("?subject=health") == {"A-2025", "B-2026"}
    assert codes("?phase=upcoming") == {"C-2026"}
    assert codes("?phase=pre-arrival&subject=health&fiscal_year=2025") == {"A-2025"}
    assert codes("?q=c-20") == {"C-2026"}
    assert client.get("/courses?fiscal_year=abc&phase=nope&subject=x%00").status_code == 200


def test_list_search_takes_every_character_literally(app, login_as, make_course):
    """What is typed is a piece of the code, never a pattern: ``_``, ``%``, ``/`` and a
    backslash match themselves (one rule for every search by a piece of text: SQLAlchemy's
    ``contains(..., autoescape=True)``)."""
    client, coordinator = login_as("coordinator")
    mine = [coordinator.id]
    for code in ("P\\Q-1", "PQ-1", "R_S-1", "RXS-1", "T%U-1", "TXU-1", "V/W-1"):
        make_course(code=code, coordinators=mine)

    def codes(text):
        page = client.get("/courses", query_string={"q": text})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        return {c for c in ("P\\Q-1", "PQ-1", "R_S-1", "RXS-1", "T%U-1", "TXU-1", "V/W-1")
                if ">%s<" % c in html}

    assert codes("p\\q") == {"P\\Q-1"}
    assert codes("r_s") == {"R_S-1"}
    assert codes("t%u") == {"T%U-1"}
    assert codes("v/w") == {"V/W-1"}
    assert codes("\\") == {"P\\Q-1"}


def test_instructor_lists_only_assigned_courses(app, login_as, make_course):
    client, instructor = login_as("instructor")
    make_course(code="TAUGHT", instructors=[instructor.id])
    make_course(code="OTHER")
    html = client.get("/courses").get_data(as_text=True)
    assert "TAUGHT" in html and "OTHER" not in html
