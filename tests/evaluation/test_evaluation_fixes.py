"""Evaluation (issue 17): questions required only in the course's languages, "Copy the
questions" idempotent and offered only from a year that has some, rating figures in a table for
screen readers beside the chart, results as XLSX."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from portal.extensions import db


def _question(client, url, **texts):
    data = {"question-kind": "rating", "question-required": "y", "action": "question"}
    data.update({"question-text_%s" % lang: text for lang, text in texts.items()})
    return client.submit(url, data)


@pytest.mark.parametrize("languages, refused, accepted, named", [
    (["en"], {"fr": "Le rythme ?"}, {"en": "Was the pace right?"}, "English"),
    (["fr", "ja"], {"en": "Pace?", "es": "¿Ritmo?"}, {"fr": "Le rythme convenait-il ?"},
     "French"),
    (["en", "es"], {"en": "Pace?", "fr": "Rythme ?"}, {"en": "Pace?", "es": "¿Ritmo?"},
     "English and Spanish"),
    (["ja", "pt"], {}, {"es": "¿Ritmo?"}, None),   # none of the interface's: any one language
])
def test_questions_are_required_in_the_courses_languages_only(app, login_as, make_course,
                                                              languages, refused, accepted,
                                                              named):
    coordinator, me = login_as("coordinator")
    course_id = make_course(coordinators=[me.id], languages=languages)
    url = "/evaluation/courses/%d/questions" % course_id
    page = coordinator.get(url).get_data(as_text=True)
    if named:
        assert named in page  # the form says which languages it needs
    response = _question(coordinator, url, **refused)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for text in refused.values():
        assert text in html  # nothing typed is lost
    if named:
        assert "Write the question in" in html and named in html
    assert _question(coordinator, url, **accepted).status_code == 302
    from portal.evaluation.models import Question
    with app.app_context():
        assert [q.text for q in db.session.query(Question)] == [accepted]


def test_the_message_names_the_languages_in_the_readers_language(app, login_as, make_course):
    coordinator, me = login_as("coordinator", language="es")
    course_id = make_course(coordinators=[me.id], languages=["en", "fr"])
    response = _question(coordinator, "/evaluation/courses/%d/questions" % course_id,
                         es="¿Ritmo?")
    assert response.status_code == 400
    assert "inglés y francés" in response.get_data(as_text=True)


@pytest.fixture
def three_years(app, login_as, make_course, add_questions, this_year):
    """ROAD-2024 with questions, ROAD-2025 without, ROAD-2026 (the one being prepared)."""
    coordinator, me = login_as("coordinator")
    today = date.today()
    ids = [make_course(code, coordinators=[me.id], fiscal_year=this_year - offset,
                       pre_arrival_opens=today - timedelta(400 * offset - 10),
                       arrival=today + timedelta(30 - 400 * offset),
                       departure=today + timedelta(60 - 400 * offset))
           for offset, code in ((2, "ROAD-2024"), (1, "ROAD-2025"), (0, "ROAD-2026"))]
    add_questions(ids[0])
    return coordinator, ids


def _question_texts(app, course_id):
    from portal.courses.models import Course
    from portal.evaluation import services
    with app.app_context():
        q = services.questionnaire_of(db.session.get(Course, course_id))
        return [x.text["en"] for x in q.questions] if q else []


def test_copy_comes_from_the_latest_year_with_questions_and_twice_adds_nothing(app,
                                                                               three_years):
    coordinator, (first, empty, current) = three_years
    url = "/evaluation/courses/%d/questions" % current
    page = coordinator.get(url).get_data(as_text=True)
    assert "Copy the questions of ROAD-2024" in page and "ROAD-2025" not in page
    copy = "/evaluation/courses/%d/questions/copy" % current
    response = coordinator.submit(copy, {}, page=url)
    assert response.status_code == 302
    assert "2 questions copied." in coordinator.get(url).get_data(as_text=True)
    copied = _question_texts(app, current)
    assert copied == _question_texts(app, first) and len(copied) == 2
    # Offered no more; a second post (two tabs, a double click) copies nothing.
    page = coordinator.get(url).get_data(as_text=True)
    assert "Copy the questions of" not in page
    assert "The questions of ROAD-2024 are here already." in page
    token = coordinator.csrf_token("/dashboard")
    assert coordinator.post(copy, data={"csrf_token": token}).status_code == 302
    assert "nothing was copied" in coordinator.get(url).get_data(as_text=True)
    assert _question_texts(app, current) == copied
    # A question removed comes back alone at the next copy.
    from portal.courses.models import Course
    from portal.evaluation import services
    with app.app_context():
        course = db.session.get(Course, current)
        services.remove_question(course, services.questionnaire_of(course).questions[0].id)
        db.session.commit()
    assert "1 question not here yet." in coordinator.get(url).get_data(as_text=True)
    coordinator.post(copy, data={"csrf_token": token})
    assert sorted(_question_texts(app, current)) == sorted(copied)


def test_no_copy_offered_from_a_series_without_questions(app, three_years):
    coordinator, (_, empty, _current) = three_years
    url = "/evaluation/courses/%d/questions" % empty   # 2024 has questions: offered
    assert "Copy the questions of ROAD-2024" in coordinator.get(url).get_data(as_text=True)
    first = three_years[1][0]
    url = "/evaluation/courses/%d/questions" % first   # nothing earlier
    assert "Copy the questions" not in coordinator.get(url).get_data(as_text=True)
    token = coordinator.csrf_token(url)
    assert coordinator.post("/evaluation/courses/%d/questions/copy" % first,
                            data={"csrf_token": token}).status_code == 404


def test_rating_figures_are_in_a_table_beside_the_chart(app, ended_course, make_user,
                                                              enroll):
    from portal.auth.models import User
    from portal.courses.models import Course
    from portal.evaluation import services
    course_id = ended_course["course"]
    people = [make_user("participant", password=None).id for _ in range(4)]
    for person in people:
        enroll(course_id, person, "completed")
    with app.app_context():
        questionnaire = services.questionnaire_of(db.session.get(Course, course_id))
        rating_q = questionnaire.questions[0].id
        for rating, person in zip((5, 5, 4, 2), people, strict=True):
            services.submit(questionnaire, db.session.get(User, person), {rating_q: rating},
                            signed=False)
        db.session.commit()
    html = ended_course["coordinator"].get("/evaluation/courses/%d/results" % course_id) \
        .get_data(as_text=True)
    table = re.search(r'<table class="table figures" id="figures-%d">(.*?)</table>'
                      % rating_q, html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', body)
    assert [(r[0][:1], r[1], r[2]) for r in rows] == [
        ("1", "0", "0%"), ("2", "1", "25%"), ("3", "0", "0%"), ("4", "1", "25%"),
        ("5", "2", "50%")]
    assert '<th scope="col">' in table and "<caption>" in table
    assert re.search(r'<tfoot><tr><th scope="row">Total</th><td>4</td>', table)
    # The chart is an image named by its title (as on the statistics page); the table right
    # after it gives a screen reader the figures the bars draw.
    chart = html.index('aria-labelledby="chart-%d-title chart-%d-desc"' % (rating_q, rating_q))
    assert chart < html.index('id="figures-%d"' % rating_q) < html.index("</section>", chart)
    assert "Average 4.0 out of 5 from 4 answers." in html


def test_results_as_xlsx(app, ended_course, make_user, enroll):
    from portal.auth.models import User
    from portal.courses.models import Course
    from portal.evaluation import services
    course_id = ended_course["course"]
    people = [make_user("participant", password=None, name="Ama Mensah").id for _ in range(2)]
    for person in people:
        enroll(course_id, person, "completed")
    with app.app_context():
        questionnaire = services.questionnaire_of(db.session.get(Course, course_id))
        rating_q, text_q = questionnaire.questions
        for (rating, signed), person in zip(((4, True), (3, False)), people, strict=True):
            services.submit(questionnaire, db.session.get(User, person),
                            {rating_q.id: rating, text_q.id: "=Fine %d" % rating}, signed)
        db.session.commit()
    response = ended_course["coordinator"].get("/evaluation/courses/%d/results.xlsx"
                                               % course_id)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="WATER-2026-evaluation.xlsx"'
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Results", "Written answers"]
    ws = book["Results"]
    assert [c.value for c in ws[1]] == ["Question", "Kind", "Answers", "Average", "1", "2", "3",
                                        "4", "5"]
    assert [c.value for c in ws[2]] == ["How useful was the course for your work?", "rating",
                                        2, 3.5, 0, 0, 1, 1, 0]
    written = [[c.value for c in row] for row in book["Written answers"].iter_rows(min_row=2)]
    assert written == [["What would you change?", "=Fine 4", "Ama Mensah"]]  # signed only
    assert book["Written answers"]["B2"].data_type == "s"
    html = ended_course["coordinator"].get("/evaluation/courses/%d/results" % course_id) \
        .get_data(as_text=True)
    assert "/evaluation/courses/%d/results.xlsx" % course_id in html
