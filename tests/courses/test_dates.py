"""Course dates (portal/dates.py): one month rule, and what follows when a course's dates change:
relative deadlines, report dates, their reminders, the closing day, and the participants told."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db

TOKYO_2359 = (14, 59)  # 23:59 in Japan is 14:59 UTC


def _form(**overrides):
    """The course edit form as a coordinator sends it."""
    data = {"code": "DATES-2027", "subject": "water-resources", "program_type": "group-region",
            "training_center": "Kansai", "region": "africa", "languages": ["fr", "en"],
            "pre_arrival_opens": "2026-11-02", "arrival": "2026-12-01",
            "departure": "2027-01-25", "report_months": "3, 6", "fiscal_year": "2026",
            "title_en": "Urban water supply", "title_fr": "Approvisionnement en eau urbain"}
    data.update(overrides)
    return data


def _assignment(course_id, title, due_at, months=None):
    from portal.assignments.models import Assignment
    return Assignment(course_id=course_id, phase="post-return", title=title,
                      instructions={"en": "Report."}, statement={},
                      opens_at=datetime(2026, 11, 2, tzinfo=UTC), due_at=due_at,
                      due_months_after_departure=months, asks="text")


@pytest.fixture
def course_with_deadlines(app, login_as, make_user, make_course, enroll):
    """A course departing 25 Jan 2027, reports at 3 and 6 months, an assignment due 6 months
    after departure and one on a fixed date; a French participant with an action plan and a
    reminder already sent; a Spanish one whose extension fixes their own due date; a withdrawn
    one."""
    from portal.action_plans.models import ActionPlan, PlanReminder
    from portal.assignments.models import Extension
    from portal.dates import due_after_departure

    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id], code="DATES-2027",
                            pre_arrival_opens=date(2026, 11, 2), arrival=date(2026, 12, 1),
                            departure=date(2027, 1, 25), report_months=[3, 6],
                            title={"en": "Urban water supply",
                                   "fr": "Approvisionnement en eau urbain"})
    amina = make_user("participant", name="Amina Diallo", language="fr")
    lucia = make_user("participant", name="Lucía Quispe", language="es")
    gone = make_user("participant", name="Withdrawn One", language="en")
    amina_e = enroll(course_id, amina.id, "accepted")
    enroll(course_id, lucia.id, "accepted")
    enroll(course_id, gone.id, "withdrawn")
    fixed_due = datetime(2027, 3, 1, 14, 59, tzinfo=UTC)
    with app.app_context():
        relative = _assignment(course_id, {"en": "Progress report", "fr": "Rapport d'étape",
                                           "es": "Informe de seguimiento"},
                               due_after_departure(date(2027, 1, 25), 6), months=6)
        fixed = _assignment(course_id, {"en": "Country report", "fr": "Rapport pays"},
                            fixed_due)
        db.session.add_all([relative, fixed])
        db.session.flush()
        db.session.add(Extension(assignment_id=relative.id, user_id=lucia.id, state="granted",
                                 due_at=datetime(2027, 9, 15, tzinfo=UTC),
                                 decided_at=datetime(2027, 1, 1, tzinfo=UTC)))
        plan = ActionPlan(enrollment_id=amina_e, language="fr", state="draft",
                          content={"title": "Eau"})
        db.session.add(plan)
        db.session.flush()
        db.session.add_all([PlanReminder(plan_id=plan.id, month=3, kind="due-soon"),
                            PlanReminder(plan_id=plan.id, month=6, kind="due-soon")])
        db.session.commit()
        ids = dict(course=course_id, relative=relative.id, fixed=fixed.id, plan=plan.id)
    return client, ids, {"amina": amina, "lucia": lucia, "gone": gone}, fixed_due


def test_the_month_rule_clamps_to_the_end_of_the_month():
    from portal.dates import add_months
    assert add_months(date(2026, 1, 30), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 30), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 30), 3) == date(2026, 4, 30)
    assert add_months(date(2026, 1, 31), 6) == date(2026, 7, 31)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


def test_plan_reports_and_assignments_agree_on_a_30_january_departure(app, login_as, make_course,
                                                                       enroll):
    """The two month arithmetics disagreed: 28 Apr for the plan's report, 30 Apr for the
    assignment due as many months after the same departure."""
    from portal.action_plans import reports
    from portal.action_plans.models import ActionPlan
    from portal.assignments.models import Assignment
    from portal.courses.models import Course
    from portal.courses.services import timeline
    from portal.dates import japan_day

    client, coordinator = login_as("coordinator")
    # Assignments 1 and 3 months after the departure, then plan reports in the same months (an
    # assignment in a month the plan already reports on is refused: one obligation each).
    course_id = make_course(coordinators=[coordinator.id], pre_arrival_opens=date(2025, 11, 1),
                            arrival=date(2025, 12, 1), departure=date(2026, 1, 30),
                            report_months=[])
    new = "/assignments/course/%d/new" % course_id
    for months in ("1", "3"):
        response = client.submit(new, {
            "phase": "post-return", "title_en": "Report at %s" % months,
            "instructions_en": "Report.", "opens_at": "2026-01-31T09:00", "due_mode": "relative",
            "due_months": months, "asks": "text", "max_files": "1", "max_size_mb": "5"})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    enrollment_id = enroll(course_id, login_as("participant")[1].id, "completed")
    with app.app_context():
        db.session.get(Course, course_id).report_months = [1, 3]
        db.session.commit()
        plan = ActionPlan(enrollment_id=enrollment_id, state="accepted", content={})
        db.session.add(plan)
        db.session.commit()
        plan_dates = [(d.month, d.due) for d in reports.schedule(plan)]
        assignment_dates = sorted(japan_day(a.due_at) for a in db.session.scalars(
            select(Assignment).where(Assignment.course_id == course_id)))
        course = db.session.get(Course, course_id)
        post_return = timeline(course, date(2026, 3, 1))[2]
        closes_on = course.closes_on
    assert plan_dates == [(1, date(2026, 2, 28)), (3, date(2026, 4, 30))]
    assert assignment_dates == [date(2026, 2, 28), date(2026, 4, 30)]
    assert post_return["reports"] == plan_dates and post_return["current"]
    assert closes_on == date(2026, 5, 30)


def test_editing_the_departure_moves_what_is_counted_from_it(app, course_with_deadlines,
                                                             mailbox):
    from portal.action_plans import reports
    from portal.action_plans.models import ActionPlan, PlanReminder
    from portal.assignments.models import Assignment
    from portal.courses.models import Course

    client, ids, people, fixed_due = course_with_deadlines
    response = client.submit("/courses/%d/edit" % ids["course"], _form(departure="2027-01-31"))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        relative = db.session.get(Assignment, ids["relative"])
        assert relative.due_at == datetime(2027, 7, 31, *TOKYO_2359, tzinfo=UTC)
        assert db.session.get(Assignment, ids["fixed"]).due_at == fixed_due  # absolute
        plan = db.session.get(ActionPlan, ids["plan"])
        assert [(d.month, d.due) for d in reports.schedule(plan)] == [
            (3, date(2027, 4, 30)), (6, date(2027, 7, 31))]
        # Reminders sent about the old dates are forgotten: the new dates get their own.
        assert db.session.scalar(select(func.count()).select_from(PlanReminder)) == 0
        course = db.session.get(Course, ids["course"])
        assert course.closes_on == date(2027, 8, 31)  # 6 months + 1 after the new departure


def test_participants_are_told_what_moved_in_their_language(app, course_with_deadlines,
                                                            mailbox):
    from portal.dates import due_after_departure
    client, ids, people, _ = course_with_deadlines
    with app.app_context():  # an assignment 5 months after: no plan report month
        db.session.add(_assignment(ids["course"], {"en": "Seminar", "fr": "Séminaire"},
                                   due_after_departure(date(2027, 1, 25), 5), months=5))
        db.session.commit()
    mailbox.messages.clear()
    client.submit("/courses/%d/edit" % ids["course"], _form(departure="2027-01-31"))
    from portal import jobs
    assert jobs.wait_idle(app)  # bulk mail: delivered by the background runner after the answer

    [french] = mailbox.to(people["amina"].email)
    assert french["Subject"] == "Nouvelles échéances du cours DATES-2027"
    body = french.get_content()
    assert "Séminaire : 25 juin 2027, désormais 30 juin 2027" in body
    assert "Rapport d'avancement, 3 mois après le départ : 25 avr. 2027, désormais " \
           "30 avr. 2027" in body
    # The assignment due 6 months after (made before such were refused) is the plan's 6-month
    # report: its move is told once, as that report (issue 18).
    assert "Rapport d'étape" not in body
    assert "Rapport d'avancement, 6 mois après le départ : 25 juil. 2027, désormais " \
           "31 juil. 2027" in body
    assert "Rapport pays" not in body  # a fixed date did not move
    assert "http://portal.test/courses/%d" % ids["course"] in body

    # Her own extension keeps her assignment's date: only the report dates moved for her.
    [spanish] = mailbox.to(people["lucia"].email)
    body = spanish.get_content()
    assert "Informe de seguimiento" not in body
    assert "Informe de avance, 6 meses después de la salida: 25 jul 2027, ahora 31 jul 2027" \
        in body
    assert mailbox.to(people["gone"].email) == []


def test_nobody_is_told_when_no_due_date_moved(app, course_with_deadlines, mailbox):
    from portal.assignments.models import Assignment
    client, ids, people, _ = course_with_deadlines
    mailbox.messages.clear()
    edit = "/courses/%d/edit" % ids["course"]
    assert client.submit(edit, _form(title_en="Water supply")).status_code == 302
    # The arrival is a course date too, but nothing is counted from it.
    assert client.submit(edit, _form(arrival="2026-12-05")).status_code == 302
    assert mailbox.messages == []
    with app.app_context():
        due = db.session.get(Assignment, ids["relative"]).due_at
    assert due == datetime(2027, 7, 25, *TOKYO_2359, tzinfo=UTC)


def test_a_change_refused_by_the_form_moves_nothing(app, course_with_deadlines, mailbox):
    from portal.assignments.models import Assignment
    client, ids, people, _ = course_with_deadlines
    mailbox.messages.clear()
    response = client.submit("/courses/%d/edit" % ids["course"],
                             _form(departure="2026-11-30"))  # before the arrival
    assert response.status_code == 400
    assert mailbox.messages == []
    with app.app_context():
        due = db.session.get(Assignment, ids["relative"]).due_at
    assert due == datetime(2027, 7, 25, *TOKYO_2359, tzinfo=UTC)


def test_an_assignments_own_new_date_is_told_to_whom_it_concerns(app, course_with_deadlines,
                                                                 make_user, enroll, mailbox):
    """Editing an assignment's due date tells the participants who still have to hand it in, as
    a move of the course's dates does; not those who handed it in, nor those whose extension
    gives them their own date. The same day at another hour tells nobody."""
    from portal import jobs
    from portal.assignments.models import Extension, Submission
    client, ids, people, fixed_due = course_with_deadlines
    kofi = make_user("participant", name="Kofi Mensah", language="en")
    enroll(ids["course"], kofi.id, "accepted")
    with app.app_context():
        db.session.add_all([
            Submission(assignment_id=ids["fixed"], user_id=kofi.id, state="submitted"),
            Extension(assignment_id=ids["fixed"], user_id=people["lucia"].id, state="granted",
                      due_at=datetime(2027, 3, 20, tzinfo=UTC),
                      decided_at=datetime(2027, 1, 1, tzinfo=UTC))])
        db.session.commit()
    mailbox.messages.clear()
    edit = "/assignments/%d/edit" % ids["fixed"]
    form = {"phase": "post-return", "title_en": "Country report", "title_fr": "Rapport pays",
            "instructions_en": "Report.", "opens_at": "2026-11-02T09:00", "due_mode": "fixed",
            "due_at": "2027-03-01T10:00", "asks": "text", "max_files": "3",
            "max_size_mb": "20"}
    assert client.submit(edit, form).status_code == 302   # same day in Japan, later hour
    assert jobs.wait_idle(app) and mailbox.messages == []
    assert client.submit(edit, dict(form, due_at="2027-03-08T10:00")).status_code == 302
    assert jobs.wait_idle(app)
    [french] = mailbox.to(people["amina"].email)
    assert french["Subject"] == "Nouvelles échéances du cours DATES-2027"
    body = french.get_content()
    assert "Une de vos échéances du cours Approvisionnement en eau urbain (DATES-2027) a " \
           "changé :" in body
    assert "Rapport pays : 1 mars 2027, désormais 8 mars 2027" in body
    assert mailbox.to(people["lucia"].email) == []   # her extension's date stands
    assert mailbox.to(kofi.email) == []              # handed in already
    assert mailbox.to(people["gone"].email) == []


def test_who_handed_in_is_not_told_that_the_course_moved_that_date(app, course_with_deadlines,
                                                                    mailbox):
    from portal import jobs
    from portal.assignments.models import Submission
    from portal.dates import due_after_departure
    client, ids, people, _ = course_with_deadlines
    with app.app_context():  # 5 months after: no plan report month, so told as itself
        seminar = _assignment(ids["course"], {"en": "Seminar", "fr": "Séminaire"},
                              due_after_departure(date(2027, 1, 25), 5), months=5)
        db.session.add(seminar)
        db.session.flush()
        db.session.add(Submission(assignment_id=seminar.id, user_id=people["amina"].id,
                                  state="accepted"))
        db.session.commit()
    mailbox.messages.clear()
    client.submit("/courses/%d/edit" % ids["course"], _form(departure="2027-01-31"))
    assert jobs.wait_idle(app)
    body = mailbox.to(people["amina"].email)[0].get_content()
    assert "Séminaire" not in body                      # accepted: its date is past concern
    assert "Rapport d'avancement, 3 mois après le départ" in body   # her plan's reports moved
    # Not handed in: told (in English, the only language the title was written in besides French).
    assert "Seminar" in mailbox.to(people["lucia"].email)[0].get_content()


def test_a_report_month_where_an_assignment_falls_is_refused(app, course_with_deadlines):
    """Adding the plan's report at a month where a post-return assignment of the course is
    already due would ask alumni for one report twice: the course form refuses it (400, beside
    the field, with the course's other values kept), as the assignment form refuses the other
    way round. A month the course had already (an older pair, shown once) saves unchanged."""
    from portal.courses.models import Course
    from portal.dates import due_after_departure
    client, ids, _, _ = course_with_deadlines
    with app.app_context():
        db.session.add(_assignment(ids["course"], {"en": "Nine-month report"},
                                   due_after_departure(date(2027, 1, 25), 9), months=9))
        db.session.commit()
    edit = "/courses/%d/edit" % ids["course"]
    refused = client.submit(edit, _form(report_months="3, 6, 9", title_en="Water supply"))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Month 9 already has an assignment due then (“Nine-month report”)" in page
    assert "Month 6" not in page  # the course had it already: no refusal
    assert 'value="Water supply"' in page and 'value="3, 6, 9"' in page
    with app.app_context():
        assert db.session.get(Course, ids["course"]).report_months == [3, 6]
    assert client.submit(edit, _form(report_months="3, 6, 12")).status_code == 302
    with app.app_context():
        assert db.session.get(Course, ids["course"]).report_months == [3, 6, 12]
