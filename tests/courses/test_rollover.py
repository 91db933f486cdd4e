"""A course copied to its next year (issue 17.2): the preview writes nothing, the copy holds
what the source taught with the dates moved (relative deadlines counted again, fixed ones moved
with their phase's key date), never its participants or their work; errors all at once; made
once however often it is confirmed; the years linked and compared on the course page.
SQLite and, with TEST_DATABASE_URL, PostgreSQL (the ``app`` fixture)."""
from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal import dates
from portal.assignments.models import Assignment, Submission
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.catalogue.models import CourseOutline
from portal.courses.models import Course, Enrollment
from portal.courses.rollover import next_code
from portal.evaluation.models import Answer, Question, Questionnaire, Respondent, Response
from portal.extensions import db
from portal.i18n import JAPAN
from portal.library.models import Material

SOURCE = "FISH-FRA-2026"


def jst(y, m, d, hh=23, mm=59):
    return datetime(y, m, d, hh, mm, tzinfo=JAPAN).astimezone(UTC)


@pytest.fixture
def world(app, login_as, make_user, make_course, enroll):
    """A 2026 course with three assignments (fixed before and during the stay, one month after
    the departure), two evaluation questions opening on a day of their own, an outline, staff
    (one instructor deactivated since), two participants with work, and library materials."""
    client, coordinator = login_as("coordinator")
    teacher, gone = make_user("instructor"), make_user("instructor")
    people = [make_user("participant"), make_user("participant")]
    course_id = make_course(code=SOURCE, coordinators=[coordinator.id],
                            instructors=[teacher.id, gone.id],
                            pre_arrival_opens=date(2026, 5, 1), arrival=date(2026, 6, 1),
                            departure=date(2026, 7, 1), report_months=[3, 6],
                            objectives={"en": "Manage stocks."}, outline={"fr": "Semaine 1"})
    for p in people:
        enroll(course_id, p.id, "in_progress")
    with app.app_context():
        db.session.get(User, gone.id).active = False
        before = Assignment(course_id=course_id, phase="pre-arrival",
                            title={"en": "Country report", "fr": "Rapport pays"},
                            instructions={"en": "Describe."}, opens_at=jst(2026, 5, 1, 0, 0),
                            due_at=jst(2026, 5, 25), cutoff_at=jst(2026, 5, 28),
                            file_types=["pdf"], max_files=2)
        during = Assignment(course_id=course_id, phase="in-japan", title={"en": "Site visit"},
                            opens_at=jst(2026, 6, 1, 0, 0), due_at=jst(2026, 6, 20))
        after = Assignment(course_id=course_id, phase="post-return",
                           title={"en": "First steps home"}, opens_at=jst(2026, 7, 2, 0, 0),
                           due_at=dates.due_after_departure(date(2026, 7, 1), 1),
                           due_months_after_departure=1)
        db.session.add_all([before, during, after])
        db.session.flush()
        db.session.add(Submission(assignment_id=before.id, user_id=people[0].id,
                                  state="submitted", submitted_at=jst(2026, 5, 20)))
        questionnaire = Questionnaire(course_id=course_id, opens_on=date(2026, 6, 28))
        questionnaire.questions = [
            Question(kind="rating", text={"en": "Useful?"}, position=1),
            Question(kind="text", text={"en": "What next?"}, position=2, required=False)]
        db.session.add(questionnaire)
        db.session.add(CourseOutline(course_id=course_id,
                                     eligibility={"en": "Five years in fisheries."}))
        db.session.add_all([
            Material(slug="fish-video", title={"en": "Fish stocks"}, courses=[SOURCE]),
            Material(slug="near-miss", title={"en": "Near-miss film"}, courses=[SOURCE + "-B"]),
            Material(slug="unrelated", title={"en": "Water supply film"}, courses=["WATER-2026"])])
        db.session.commit()
        ids = {"before": before.id, "during": during.id, "after": after.id,
               "questionnaire": questionnaire.id}
    return {"client": client, "coordinator": coordinator, "teacher": teacher, "gone": gone,
            "people": people, "course": course_id, **ids}


NEW = {"code": "FISH-FRA-2027", "pre_arrival_opens": "2027-04-20", "arrival": "2027-05-24",
       "departure": "2027-06-30", "report_months": "3, 6", "fiscal_year": ""}


def _counts(app) -> dict:
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Course, Assignment, Question, Enrollment, Submission, CourseOutline,
                          AuditEntry)}


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_form_proposes_the_same_dates_a_year_later(world):
    page = _page(world["client"].get("/courses/%d/rollover" % world["course"]))
    for value in ('value="FISH-FRA-2027"', 'value="2027-05-01"', 'value="2027-06-01"',
                  'value="2027-07-01"', 'value="3, 6"'):
        assert value in page


def test_the_preview_shows_each_new_date_and_writes_nothing(app, world):
    before = _counts(app)
    url = "/courses/%d/rollover" % world["course"]
    response = world["client"].submit(url, NEW, page=url)
    page = _page(response)
    assert response.status_code == 200 and "Check the copy" in page
    # Fixed dates keep their distance to the arrival (moved 357 days); the deadline counted
    # from the departure is counted again: 30 June + 1 month = 30 July. Shown in the reader's
    # zone (UTC): 23:59 in Japan is 2:59 PM.
    for old, new in (("May 25, 2026", "May 17, 2027"), ("Jun 20, 2026", "Jun 12, 2027"),
                     ("Aug 1, 2026", "Jul 30, 2027")):
        assert old in page and new in page
    assert "May 17, 2027, 2:59\u202fPM" in page
    assert "2 evaluation questions are copied" in page
    assert "Jun 27, 2027" in page   # the questionnaire's own opening day, moved with departure
    assert "Fish stocks" in page and "Near-miss film" not in page
    assert "Water supply film" not in page
    assert world["teacher"].name in page and world["gone"].name in page   # left out, said so
    assert _counts(app) == before


def test_confirming_makes_the_copy_with_moved_dates_and_nothing_of_the_participants(
        app, world):
    url = "/courses/%d/rollover" % world["course"]
    response = world["client"].submit(url + "/confirm", NEW, page=url)
    assert response.status_code == 303
    with app.app_context():
        copy = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2027"))
        source = db.session.get(Course, world["course"])
        assert response.headers["Location"].endswith("/courses/%d" % copy.id)
        assert copy.previous_id == source.id and copy.fiscal_year == 2027
        assert copy.title == source.title and copy.objectives == {"en": "Manage stocks."}
        assert copy.outline == {"fr": "Semaine 1"} and copy.languages == ["en"]
        assert (copy.pre_arrival_opens, copy.arrival, copy.departure) == (
            date(2027, 4, 20), date(2027, 5, 24), date(2027, 6, 30))
        assert copy.closes_on == date(2028, 1, 30)
        assert [c.id for c in copy.coordinators] == [world["coordinator"].id]
        assert [i.id for i in copy.instructors] == [world["teacher"].id]   # not the deactivated
        assert copy.enrollments == []
        made = {a.title["en"]: a for a in db.session.scalars(
            select(Assignment).where(Assignment.course_id == copy.id))}
        report = made["Country report"]
        assert (report.opens_at, report.due_at, report.cutoff_at) == (
            jst(2027, 4, 23, 0, 0), jst(2027, 5, 17), jst(2027, 5, 20))
        assert report.title == {"en": "Country report", "fr": "Rapport pays"}
        assert report.instructions == {"en": "Describe."} and report.file_types == ["pdf"]
        assert report.max_files == 2 and report.created_by_id == world["coordinator"].id
        assert made["Site visit"].due_at == jst(2027, 6, 12)
        home = made["First steps home"]
        assert home.due_months_after_departure == 1 and home.due_at == jst(2027, 7, 30)
        assert home.opens_at == jst(2027, 6, 30, 0, 0)   # moved as its deadline moved
        assert db.session.scalar(select(func.count()).select_from(Submission).join(Assignment)
                                 .where(Assignment.course_id == copy.id)) == 0
        questionnaire = db.session.scalar(select(Questionnaire).where(
            Questionnaire.course_id == copy.id))
        assert [q.text["en"] for q in questionnaire.questions] == ["Useful?", "What next?"]
        assert questionnaire.opens_on == date(2027, 6, 27)
        outline = db.session.get(CourseOutline, copy.id)
        assert outline.eligibility == {"en": "Five years in fisheries."}
        assert outline.series == "FISH-FRA"
        materials = {m.slug: m.courses for m in db.session.scalars(select(Material))}
        assert materials == {"fish-video": [SOURCE, "FISH-FRA-2027"],
                             "near-miss": [SOURCE + "-B"], "unrelated": ["WATER-2026"]}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action ==
                                                           "course.rollover"))
        assert entry.actor_id == world["coordinator"].id and entry.target_id == copy.id
        assert entry.details["source"] == SOURCE and entry.details["assignments"] == 3
        # the source is as it was
        assert len(source.enrollments) == 2
        assert db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.course_id == source.id)) == 3


def test_confirmed_twice_it_is_made_once(app, world):
    url = "/courses/%d/rollover" % world["course"]
    first = world["client"].submit(url + "/confirm", NEW, page=url)
    counts = _counts(app)
    again = world["client"].submit(url + "/confirm", NEW, page=url)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert _counts(app) == counts
    assert "This copy was already made: FISH-FRA-2027." in _page(
        world["client"].get(again.headers["Location"]))
    # the form says it was copied already
    assert "This course was already copied" in _page(world["client"].get(url))


def test_every_problem_at_once_and_nothing_written(app, world, make_course):
    make_course(code="fish-fra-2027")   # the code is taken, whatever its case
    url = "/courses/%d/rollover" % world["course"]
    before = _counts(app)
    response = world["client"].submit(url, dict(NEW, pre_arrival_opens="2027-06-01",
                                                report_months="1, 6"), page=url)
    page = _page(response)
    assert response.status_code == 409
    assert "Another course already has this code." in page
    assert "The pre-arrival phase must open before the arrival in Japan." in page
    # the post-return assignment due a month after the departure would double the plan's report
    assert "First steps home" in page and "progress report 1 months after the course" in page
    assert 'value="1, 6"' in page   # what was typed is kept
    # confirming the same (without the preview) is refused the same way
    confirm = world["client"].submit(url + "/confirm", dict(NEW, report_months="1, 6"), page=url)
    assert confirm.status_code == 409 and "progress report 1 months" in _page(confirm)
    assert _counts(app) == before


def test_bad_dates_are_a_400_with_the_fields_kept(app, world):
    url = "/courses/%d/rollover" % world["course"]
    response = world["client"].submit(url, dict(NEW, departure="2027-05-01", arrival="",
                                                report_months="soon"), page=url)
    page = _page(response)
    assert response.status_code == 400
    assert "Enter the date of arrival in Japan." in page
    assert "Give whole numbers of months between 1 and 60" in page
    assert 'value="2027-05-01"' in page


def test_only_the_course_managers_may_copy_it(app, world, login_as, make_user):
    url = "/courses/%d/rollover" % world["course"]
    other, _ = login_as("coordinator")
    assert other.get(url).status_code == 404
    assert other.submit(url + "/confirm", NEW, page="/").status_code == 404
    teacher = app.test_client()
    from tests.conftest import Auth
    Auth(teacher).login(world["teacher"].email)
    assert teacher.get(url).status_code == 403
    admin, _ = login_as("admin")
    assert admin.get(url).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1


def test_an_admin_copy_keeps_the_source_coordinators_only(app, world, login_as):
    admin, user = login_as("admin")
    url = "/courses/%d/rollover" % world["course"]
    assert admin.submit(url + "/confirm", NEW, page=url).status_code == 303
    with app.app_context():
        copy = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2027"))
        assert [c.id for c in copy.coordinators] == [world["coordinator"].id]


def test_a_new_code_of_another_stem_stays_in_the_series(app, world):
    url = "/courses/%d/rollover" % world["course"]
    response = world["client"].submit(url + "/confirm", dict(NEW, code="FISHERIES-27"),
                                      page=url)
    page = _page(world["client"].get(response.headers["Location"]))
    assert "Other years of this course" in page and "Copied from FISH-FRA-2026." in page
    assert 'class="code">FISH-FRA-2026</a>' in page   # in the years compared, both ways
    source_page = _page(world["client"].get("/courses/%d" % world["course"]))
    assert "FISHERIES-27" in source_page


def test_the_years_are_linked_and_compared(app, world):
    url = "/courses/%d/rollover" % world["course"]
    world["client"].submit(url + "/confirm", NEW, page=url)
    with app.app_context():
        questions = db.session.scalars(select(Question).where(
            Question.questionnaire_id == world["questionnaire"])).all()
        rating = next(q for q in questions if q.kind == "rating")
        for person, value in zip(world["people"], (4, 5), strict=True):
            db.session.add(Respondent(questionnaire_id=world["questionnaire"], user_id=person.id))
            response = Response(questionnaire_id=world["questionnaire"])
            response.answers = [Answer(question_id=rating.id, rating=value)]
            db.session.add(response)
        db.session.commit()
    page = _page(world["client"].get("/courses/%d" % world["course"]))
    assert "Other years of this course" in page
    # 2 participants; 1 of 3 assignments x 2 people handed in; ratings 4 and 5
    assert "17%" in page and "(1 of 6)" in page
    assert "4.5" in page and "2 answers" in page
    assert 'href="/courses/' in page and "FISH-FRA-2027" in page
    # participants do not see the comparison
    from tests.conftest import Auth
    participant = app.test_client()
    Auth(participant).login(world["people"][0].email)
    assert "Other years of this course" not in _page(participant.get(
        "/courses/%d" % world["course"]))


def test_the_preview_in_french(app, world, login_as):
    client, coordinator = login_as("coordinator", language="fr")
    with app.app_context():
        course = db.session.get(Course, world["course"])
        course.coordinators.append(db.session.get(User, coordinator.id))
        db.session.commit()
    url = "/courses/%d/rollover" % world["course"]
    page = _page(client.submit(url, NEW, page=url))
    assert "Vérifier la copie" in page and "17 mai 2027" in page


@pytest.mark.parametrize("code,year,expected", [
    ("FISH-FRA-2026", 2027, "FISH-FRA-2027"), ("DRR_FY2025", 2026, "DRR_FY2026"),
    ("WATER", 2027, "WATER-2027")])
def test_next_code(code, year, expected):
    assert next_code(code, year) == expected


def test_moved_deadlines_keep_their_order_and_count_relative_ones_again():
    old = dates.CourseDates(date(2026, 1, 2), date(2026, 1, 10), date(2026, 1, 31), (3,))
    new = dates.CourseDates(date(2027, 1, 1), date(2027, 1, 9), date(2027, 1, 30), (3,))
    # counted from the departure: 30 Jan + 1 month = 28 Feb (not the day shift, 27 Feb)
    opens, due, cutoff = dates.moved_deadlines(
        "post-return", 1, jst(2026, 2, 1, 0, 0), jst(2026, 2, 28), jst(2026, 2, 28), old, new)
    assert due == jst(2027, 2, 28) and cutoff == due and opens == jst(2027, 2, 1, 0, 0)
    # fixed, before the stay: as many days before the new arrival, same hour in Japan
    opens, due, cutoff = dates.moved_deadlines(
        "pre-arrival", None, jst(2026, 1, 2, 9, 0), jst(2026, 1, 8), None, old, new)
    assert (opens, due, cutoff) == (jst(2027, 1, 1, 9, 0), jst(2027, 1, 7), None)
