"""End-of-course evaluation: questions in three languages, answering once (also under a double
submit), anonymity by design, results for the course's staff, comparison across years."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def _participant(login_as, enroll, course_id, status="completed", **fields):
    client, user = login_as("participant", **fields)
    enroll(course_id, user.id, status)
    return client, user


def _answer(client, course_id, questions, rating="4", comment="", signed=False):
    data = {"q-%d" % questions[0]: rating, "q-%d" % questions[1]: comment}
    if signed:
        data["signed"] = "1"
    return client.submit("/evaluation/courses/%d" % course_id, data)


# ------------------------------------------------------------------ questions


def test_coordinator_writes_questions_in_three_languages(app, login_as, make_course):
    coordinator, me = login_as("coordinator", language="fr")
    # Taught in the three languages: each is required (an English-only course needs only
    # English: test_evaluation_fixes.py).
    course_id = make_course(coordinators=[me.id], languages=["en", "fr", "es"])
    url = "/evaluation/courses/%d/questions" % course_id
    assert coordinator.get(url).status_code == 200
    response = coordinator.submit(url, {"question-kind": "rating",
                                        "question-text_en": "Was the pace right?",
                                        "question-text_fr": "", "question-text_es": "¿Ritmo?",
                                        "question-required": "y", "action": "question"})
    assert response.status_code == 400  # French missing: typed text kept
    assert "Was the pace right?" in response.get_data(as_text=True)
    response = coordinator.submit(url, {"question-kind": "rating",
                                        "question-text_en": "Was the pace right?",
                                        "question-text_fr": "Le rythme convenait-il ?",
                                        "question-text_es": "¿Fue adecuado el ritmo?",
                                        "question-required": "y", "action": "question"})
    assert response.status_code == 302
    assert "Le rythme convenait-il ?" in coordinator.get(url).get_data(as_text=True)
    # An opening date before the arrival is refused with a message, 400.
    response = coordinator.submit(url, {"opening-opens_on": "2000-01-01",
                                        "action": "opening"})
    assert response.status_code == 400
    assert coordinator.submit(url, {"opening-opens_on": "not a date",
                                    "action": "opening"}).status_code == 400


def test_questions_lock_once_someone_answered(app, ended_course, login_as, enroll):
    client, _ = _participant(login_as, enroll, ended_course["course"])
    assert _answer(client, ended_course["course"], ended_course["questions"]).status_code == 302
    coordinator = ended_course["coordinator"]
    url = "/evaluation/courses/%d/questions" % ended_course["course"]
    response = coordinator.submit(url, {"question-kind": "text", "question-text_en": "a",
                                        "question-text_fr": "b", "question-text_es": "c",
                                        "action": "question"})
    assert response.status_code == 409
    response = coordinator.submit("%s/%d/remove" % (url, ended_course["questions"][0]), {},
                                  page=url)
    assert response.status_code == 303
    with app.app_context():
        from portal.evaluation.models import Question
        assert db.session.execute(select(Question)).scalars().all().__len__() == 2


# ------------------------------------------------------------------ answering


def test_participant_answers_once(app, ended_course, login_as, enroll):
    course_id, questions = ended_course["course"], ended_course["questions"]
    client, user = _participant(login_as, enroll, course_id)
    assert "Evaluations" in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/evaluation/courses/%d" % course_id)
    assert page.status_code == 200 and 'name="q-%d"' % questions[0] in page.get_data(True)
    # A rating is required; the typed comment is kept.
    response = _answer(client, course_id, questions, rating="", comment="Más práctica")
    assert response.status_code == 400 and "Más práctica" in response.get_data(as_text=True)
    assert _answer(client, course_id, questions, rating="9").status_code == 400
    assert _answer(client, course_id, questions, comment="x" * 6000).status_code == 400
    assert _answer(client, course_id, questions, comment="More visits").status_code == 302
    # Second submit (a double click, another tab): refused, nothing added.
    assert _answer(client, course_id, questions, rating="1").status_code == 409
    assert "You have answered" in client.get("/evaluation/courses/%d" % course_id).get_data(True)
    with app.app_context():
        from portal.evaluation.models import Answer, Respondent, Response
        assert len(db.session.execute(select(Respondent)).all()) == 1
        assert len(db.session.execute(select(Response)).all()) == 1
        assert {a.rating for a in db.session.execute(select(Answer)).scalars()} == {4, None}


def test_double_submit_race_is_stopped_by_the_database(app, ended_course, login_as, enroll):
    """Both requests passed the "has answered?" check: the primary key still refuses one."""
    from portal.auth.models import User
    from portal.evaluation import services
    from portal.evaluation.models import Questionnaire, Response
    _, user = _participant(login_as, enroll, ended_course["course"])
    for attempt in range(2):
        with app.app_context():
            q = db.session.execute(select(Questionnaire)).scalar_one()
            me = db.session.get(User, user.id)
            assert services.state(q, me) == ("open" if attempt == 0 else "answered")
            cleaned = {ended_course["questions"][0]: 5}
            if attempt == 0:
                services.submit(q, me, cleaned, signed=False)
                db.session.commit()
            else:
                with pytest.raises(services.AlreadyAnswered):
                    services.submit(q, me, cleaned, signed=False)
                db.session.rollback()
    with app.app_context():
        assert len(db.session.execute(select(Response)).all()) == 1


def test_not_open_before_the_end_of_the_stay(app, make_course, login_as, enroll,
                                            add_questions):
    coordinator, me = login_as("coordinator")
    course_id = make_course(coordinators=[me.id])  # arrives in 20 days
    questions = add_questions(course_id)
    client, _ = _participant(login_as, enroll, course_id, status="accepted")
    html = client.get("/evaluation/courses/%d" % course_id).get_data(as_text=True)
    assert "opens on" in html and 'name="q-' not in html
    assert _answer(client, course_id, questions).status_code == 400
    add_questions(course_id, opens_on=date.today(), questions=[])  # opened early
    assert _answer(client, course_id, questions).status_code == 302


@pytest.mark.parametrize("status", ["nominated", "withdrawn", None])
def test_only_participants_of_the_course_answer(app, ended_course, login_as, enroll, status):
    client, user = login_as("participant")
    if status:
        enroll(ended_course["course"], user.id, status)
    url = "/evaluation/courses/%d" % ended_course["course"]
    assert client.get(url).status_code == 404
    token = client.csrf_token("/evaluation")
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    assert client.get("/evaluation/courses/999999").status_code == 404


# ------------------------------------------------------------------ anonymity


def test_no_column_links_an_unsigned_answer_to_a_person(app, ended_course, login_as, enroll):
    client, user = _participant(login_as, enroll, ended_course["course"])
    _answer(client, ended_course["course"], ended_course["questions"], comment="Secret")
    with app.app_context():
        insp = inspect(db.engine)
        columns = {t: {c["name"]: c for c in insp.get_columns(t)} for t in (
            "evaluation_respondents", "evaluation_responses", "evaluation_answers")}
        assert set(columns["evaluation_respondents"]) == {"questionnaire_id", "user_id"}
        assert set(columns["evaluation_responses"]) == {"id", "questionnaire_id", "user_id"}
        assert set(columns["evaluation_answers"]) == {"response_id", "question_id", "rating",
                                                      "text"}
        for table in columns.values():  # no time that could be matched with logs or sessions
            assert not any("DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper()
                           for c in table.values())
        from portal.evaluation.models import Response
        response = db.session.execute(select(Response)).scalar_one()
        assert response.user_id is None
        assert re.fullmatch(r"[0-9a-f]{32}", response.id)


def test_row_order_does_not_reveal_who_answered_when(app, ended_course, make_user, enroll):
    from portal.auth.models import User
    from portal.evaluation import services
    from portal.evaluation.models import Questionnaire, Response
    arrival_order = []
    for n in range(8):
        ref = make_user("participant", password=None)
        enroll(ended_course["course"], ref.id, "completed")
        with app.app_context():
            q = db.session.execute(select(Questionnaire)).scalar_one()
            before = set(db.session.execute(select(Response.id)).scalars())
            services.submit(q, db.session.get(User, ref.id),
                            {ended_course["questions"][0]: 1 + n % 5}, signed=False)
            db.session.commit()
            arrival_order += list(set(db.session.execute(select(Response.id)).scalars())
                                  - before)
    assert arrival_order != sorted(arrival_order)  # random ids: 1 chance in 40,320 to fail
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # WITHOUT ROWID: no hidden row number either; the table is stored in id order.
            stored = list(db.session.execute(text("SELECT id FROM evaluation_responses"))
                          .scalars())
            assert stored == sorted(arrival_order)
            for table in ("evaluation_responses", "evaluation_answers",
                          "evaluation_respondents"):
                with pytest.raises(OperationalError):
                    db.session.execute(text("SELECT rowid FROM %s" % table))
                db.session.rollback()


# ------------------------------------------------------------------ results


def _submit(app, course_id, rating, comment, signed, user_id):
    """Answer straight through the service (faster than signing in for each participant)."""
    from portal.auth.models import User
    from portal.courses.models import Course
    from portal.evaluation import services
    with app.app_context():
        questionnaire = services.questionnaire_of(db.session.get(Course, course_id))
        first, second = questionnaire.questions
        services.submit(questionnaire, db.session.get(User, user_id),
                        {first.id: int(rating), **({second.id: comment} if comment else {})},
                        signed)
        db.session.commit()


@pytest.fixture
def answered(app, ended_course, make_user, enroll):
    """Two unsigned answers and one signed."""
    course_id = ended_course["course"]
    for rating, comment, signed, name in (("5", "Unsigned one", False, "Ana"),
                                          ("3", "Unsigned two", False, "Ben"),
                                          ("4", "Signed remark", True, "Chidi Okafor")):
        ref = make_user("participant", name=name, password=None)
        enroll(course_id, ref.id, "completed")
        _submit(app, course_id, rating, comment, signed, ref.id)
    return ended_course


def test_coordinator_reads_results_with_unsigned_text_withheld_below_three(
        app, answered, make_user, enroll):
    url = "/evaluation/courses/%d/results" % answered["course"]
    html = answered["coordinator"].get(url).get_data(as_text=True)
    assert "3 of 3 participants have answered (2 without signing)" in html
    assert "Average 4.0 out of 5 from 3 answers." in html
    assert "Signed remark" in html and "Chidi Okafor" in html
    assert "Unsigned one" not in html and "at least 3 participants" in html
    ref = make_user("participant", password=None)
    enroll(answered["course"], ref.id, "completed")
    _submit(app, answered["course"], "2", "Unsigned three", False, ref.id)
    html = answered["coordinator"].get(url).get_data(as_text=True)
    assert all(t in html for t in ("Unsigned one", "Unsigned two", "Unsigned three"))
    assert html.index("Unsigned one") < html.index("Unsigned three") < html.index(
        "Unsigned two")  # sorted by text, not by arrival
    assert '<svg role="img"' in html and ">1</text>" in html


def test_free_text_only_for_the_courses_coordinators_and_instructors(app, answered,
                                                                     login_as):
    url = "/evaluation/courses/%d/results" % answered["course"]
    admin, _ = login_as("admin")
    html = admin.get(url).get_data(as_text=True)
    assert "Average 4.0" in html and "Signed remark" not in html
    assert "Signed remark" not in admin.get(url + ".csv").get_data(as_text=True)
    other_instructor, _ = login_as("instructor")
    assert other_instructor.get(url).status_code == 404
    own, me = login_as("instructor")
    from portal.auth.models import User
    from portal.courses.models import Course
    with app.app_context():
        course = db.session.get(Course, answered["course"])
        course.instructors.append(db.session.get(User, me.id))
        db.session.commit()
    assert "Signed remark" in own.get(url).get_data(as_text=True)
    assert "Signed remark" in own.get(url + ".csv").get_data(as_text=True)


def test_csv_export(app, answered):
    response = answered["coordinator"].get("/evaluation/courses/%d/results.csv"
                                           % answered["course"])
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:4] == ["How useful was the course for your work?", "rating", "3", "4.00"]
    assert rows[1][4:] == ["0", "0", "1", "1", "1"]
    assert ["What would you change?", "Signed remark", "Chidi Okafor"] in rows


def test_someone_elses_course_is_404_on_every_staff_route(app, answered, login_as):
    course_id = answered["course"]
    other, _ = login_as("coordinator")
    token = other.csrf_token("/dashboard")
    for path in ("/evaluation/courses/%d/questions", "/evaluation/courses/%d/results",
                 "/evaluation/courses/%d/results.csv", "/evaluation/courses/%d/compare"):
        assert other.get(path % course_id).status_code == 404, path
        assert other.get(path % 999999).status_code == 404, path
    for path in ("/evaluation/courses/%d/questions",
                 "/evaluation/courses/%d/questions/copy",
                 "/evaluation/courses/%%d/questions/%d/remove" % answered["questions"][0]):
        assert other.post(path % course_id, data={"csrf_token": token}).status_code == 404
    participant, _ = login_as("participant")
    assert participant.get("/evaluation/courses/%d/results" % course_id).status_code == 403
    assert app.test_client().get("/evaluation/courses/%d/results"
                                 % course_id).status_code == 302
    instructor, _ = login_as("instructor")
    assert instructor.get("/evaluation/courses/%d/questions" % course_id).status_code == 403


def test_a_question_of_another_course_cannot_be_removed(app, answered, login_as, make_course,
                                                        add_questions):
    coordinator, me = login_as("coordinator")
    mine = make_course(coordinators=[me.id])
    add_questions(mine)
    url = "/evaluation/courses/%d/questions/%d/remove" % (mine, answered["questions"][0])
    assert coordinator.submit(url, {}, page="/dashboard").status_code == 404


# ------------------------------------------------------------------ across years


def test_compare_three_years_of_a_series(app, login_as, make_user, make_course, enroll,
                                         add_questions, this_year):
    coordinator, me = login_as("coordinator")
    today = date.today()
    ids = []
    for offset, code in ((2, "SOIL-2024"), (1, "SOIL-2025"), (0, "SOIL-2026")):
        ids.append(make_course(code, coordinators=[me.id], fiscal_year=this_year - offset,
                               pre_arrival_opens=today - timedelta(400 * offset + 60),
                               arrival=today - timedelta(400 * offset + 40),
                               departure=today - timedelta(400 * offset + 2)))
    make_course("SOILED-2026", coordinators=[me.id])  # not the same stem
    first_questions = add_questions(ids[0])
    for course_id in ids[1:]:  # copied from the previous year, as a coordinator would
        assert coordinator.submit("/evaluation/courses/%d/questions/copy" % course_id, {},
                                  page="/evaluation/courses/%d/questions" % course_id
                                  ).status_code == 302
    assert len(first_questions) == 2
    for rating, course_id in zip(("3", "4", "5"), ids, strict=True):
        ref = make_user("participant", password=None)
        enroll(course_id, ref.id, "completed")
        _submit(app, course_id, rating, "", False, ref.id)
    html = coordinator.get("/evaluation/courses/%d/compare" % ids[2]).get_data(as_text=True)
    assert [c for c in ("SOIL-2024", "SOIL-2025", "SOIL-2026", "SOILED-2026") if c in html] \
        == ["SOIL-2024", "SOIL-2025", "SOIL-2026"]
    assert re.findall(r"<td>(\d\.\d)", html) == ["3.0", "4.0", "5.0"]


def test_posts_without_csrf_token_change_nothing(app, ended_course, login_as, enroll):
    from portal.evaluation.models import Question, Respondent
    client, _ = _participant(login_as, enroll, ended_course["course"])
    course_id, questions = ended_course["course"], ended_course["questions"]
    assert client.post("/evaluation/courses/%d" % course_id,
                       data={"q-%d" % questions[0]: "5"}).status_code == 400
    coordinator = ended_course["coordinator"]
    for path in ("/evaluation/courses/%d/questions/%d/remove" % (course_id, questions[0]),
                 "/evaluation/courses/%d/questions" % course_id):
        assert coordinator.post(path, data={"question-text_en": "x"}).status_code == 400
    with app.app_context():
        assert db.session.execute(select(Respondent)).first() is None
        assert len(db.session.execute(select(Question)).all()) == 2
