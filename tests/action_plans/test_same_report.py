"""One post-return report obligation per plan milestone (issue 18). A post-return assignment due
in a month the action plan reports on is refused since 99a3950; one made before that (or before
the course asked for that report month) is that same report: every list shows it once, as the
plan's report, linked both ways, and what was handed in as the assignment stays reachable."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db

TITLE = "Progress report (3 months)"


@pytest.fixture
def alumni(app, login_as, make_user):
    """A course that ended a month ago (reports at 3 and 6 months), an instructor named on it,
    an old post-return assignment due at 3 months (the plan's 3-month report) and one at 2
    months; alumni Ama and Ben with accepted plans, Cara without a plan."""
    from portal import dates
    from portal.action_plans.models import ACCEPTED, ActionPlan, PlanVersion
    from portal.assignments.models import Assignment
    from portal.auth.models import User
    from portal.courses.models import Course, Enrollment
    ama_client, ama = login_as("participant", name="Ama Mensah")
    ben_client, ben = login_as("participant", name="Ben Osei")
    cara = make_user("participant", name="Cara Diop")
    staff_client, instructor = login_as("instructor")
    today, now = date.today(), datetime.now(UTC)
    with app.app_context():
        course = Course(code="SAME-2026", subject="agriculture", training_center="Tokyo",
                        fiscal_year=today.year, languages=["en"], title={"en": "Fisheries"},
                        pre_arrival_opens=today - timedelta(90), arrival=today - timedelta(60),
                        departure=today - timedelta(30), report_months=[3, 6])
        course.instructors = [db.session.get(User, instructor.id)]
        db.session.add(course)
        db.session.flush()

        def relative(months, title):
            return Assignment(course_id=course.id, phase="post-return", title={"en": title},
                              instructions={"en": "Tell us."}, statement={},
                              opens_at=now - timedelta(days=1), asks="text",
                              due_months_after_departure=months,
                              due_at=dates.due_after_departure(course.departure, months))
        # Written straight to the table: the form refuses the first one now.
        same, seminar = relative(3, TITLE), relative(2, "Dissemination seminar")
        db.session.add_all([same, seminar])
        plans = {}
        for user in (ama, ben, cara):
            enrollment = Enrollment(course_id=course.id, user_id=user.id, status="completed",
                                    created_at=now - timedelta(days=100))
            db.session.add(enrollment)
            db.session.flush()
            if user is cara:
                continue
            plan = ActionPlan(enrollment_id=enrollment.id, state=ACCEPTED, language="en",
                              content={"title": "Plan of " + user.name})
            db.session.add(plan)
            db.session.flush()
            db.session.add(PlanVersion(plan_id=plan.id, number=1, language="en",
                                       status=ACCEPTED, created_by_id=user.id,
                                       content={"title": "Plan of " + user.name,
                                                "activities": []}))
            plans[user.name] = plan.id
        db.session.commit()
        return SimpleNamespace(
            course=course.id, same=same.id, seminar=seminar.id, ama=ama, ben=ben, cara=cara,
            ama_client=ama_client, ben_client=ben_client, staff_client=staff_client,
            instructor=instructor, ama_plan=plans["Ama Mensah"], ben_plan=plans["Ben Osei"],
            due3=dates.report_due(course, 3), due3_at=same.due_at)


def _hand_in(app, assignment_id, user_id) -> int:
    from portal.assignments.models import Submission, SubmissionVersion
    with app.app_context():
        when = datetime.now(UTC) - timedelta(hours=2)
        submission = Submission(assignment_id=assignment_id, user_id=user_id, state="submitted",
                                submitted_at=when)
        submission.versions.append(SubmissionVersion(number=1, state="submitted",
                                                     text="Done already.", submitted_at=when))
        db.session.add(submission)
        db.session.commit()
        return submission.id


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _row(html: str, assignment_id: int) -> str:
    """The row of My work that links to that assignment."""
    return re.search(r'<tr>\s*<td><a href="/assignments/%d">.*?</tr>' % assignment_id, html,
                     re.S).group(0)


def test_the_rule_lives_in_dates():
    from portal.dates import plan_report_month
    assert plan_report_month("post-return", 3, [3, 6]) == 3
    assert plan_report_month("post-return", 2, [3, 6]) is None
    assert plan_report_month("post-return", None, [3, 6]) is None  # a fixed date
    assert plan_report_month("in-japan", 3, [3, 6]) is None
    assert plan_report_month("post-return", 3, None) is None


def test_participant_pages_show_the_report_once_with_links_both_ways(app, alumni):
    c = alumni.ama_client
    dashboard = c.get("/dashboard").get_data(as_text=True)
    assert "Dissemination seminar" in dashboard  # still due next
    assert TITLE not in dashboard  # not a second obligation due next

    mine = c.get("/assignments").get_data(as_text=True)
    row = _row(mine, alumni.same)
    assert "Sent with your action plan's progress report (3 months after the course)" in row
    assert 'href="/action-plans#course-%d"' % alumni.course in row
    assert "countdown" not in row and "Not started" not in row
    assert "countdown" in _row(mine, alumni.seminar)

    plans = c.get("/action-plans").get_data(as_text=True)
    assert 'id="course-%d"' % alumni.course in plans
    assert "The assignment “%s” is this same report: it is sent once, here." % TITLE \
        in _text(plans)
    assert 'href="/assignments/%d"' % alumni.same in plans
    assert "Dissemination seminar" not in plans

    work = c.get("/assignments/%d" % alumni.same).get_data(as_text=True)
    assert "This assignment is your action plan's progress report 3 months after the " \
           "course" in work
    report = c.get("/action-plans/%d/reports/3" % alumni.ama_plan).get_data(as_text=True)
    assert 'href="/assignments/%d"' % alumni.same in report
    assert "is this same report" in report
    six = c.get("/action-plans/%d/reports/6" % alumni.ama_plan).get_data(as_text=True)
    assert "is this same report" not in six


def test_work_handed_in_as_the_assignment_stays_reachable_and_meets_the_report(app, alumni):
    submission_id = _hand_in(app, alumni.same, alumni.ama.id)
    c = alumni.ama_client
    plans = c.get("/action-plans").get_data(as_text=True)
    assert "Handed in as the assignment “%s”" % TITLE in _text(plans)
    assert "Handed in as an assignment" in plans
    assert 'href="/assignments/%d"' % alumni.same in plans
    row = _row(c.get("/assignments").get_data(as_text=True), alumni.same)
    assert "Submitted" in row
    work = c.get("/assignments/%d" % alumni.same).get_data(as_text=True)
    assert "What you handed in here stays below." in work
    version = "/assignments/submissions/%d/v1" % submission_id
    assert 'href="%s"' % version in work
    assert "Done already." in c.get(version).get_data(as_text=True)
    # The course's staff reach it from the plan too.
    staff = alumni.staff_client.get("/action-plans/%d" % alumni.ama_plan)
    assert staff.status_code == 200
    link = "/assignments/submissions/%d/v1" % submission_id
    assert 'href="%s"' % link in staff.get_data(as_text=True)
    assert alumni.staff_client.get(link).status_code == 200


def test_one_reminder_for_one_report(app, alumni, mailbox):
    """Ben (accepted plan) gets the plan's reminder only; Cara (no plan to report from) the
    assignment's; Ama, who handed the report in as the assignment, neither."""
    from portal import jobs
    from portal.action_plans.models import PlanReminder
    from portal.action_plans.reminders import send_due
    from portal.assignments.models import SentReminder
    from portal.assignments.reminders import send_reminders
    _hand_in(app, alumni.same, alumni.ama.id)
    with app.app_context():
        send_reminders(alumni.due3_at - timedelta(days=3))
        send_due(alumni.due3 - timedelta(days=3))
        jobs.commit()
        assignment = {uid for uid, in db.session.execute(select(SentReminder.user_id).where(
            SentReminder.assignment_id == alumni.same))}
        plan = {pid for pid, in db.session.execute(select(PlanReminder.plan_id).where(
            PlanReminder.month == 3))}
    assert assignment == {alumni.cara.id}
    assert plan == {alumni.ben_plan}


def test_calendar_names_the_assignment_in_the_report_day(app, alumni):
    from flask_babel import force_locale

    from portal.auth.models import User
    from portal.calendar.events import events_for
    with app.test_request_context(), force_locale("en"):
        for user_id in (alumni.ama.id, alumni.instructor.id):
            events = {e.uid.partition("@")[0]: e
                      for e in events_for(db.session.get(User, user_id))}
            assert "assignment-%d-due" % alumni.same not in events
            assert "assignment-%d-due" % alumni.seminar in events
            report = events["course-%d-report-3" % alumni.course]
            assert report.start == alumni.due3
            assert "The assignment “%s” is this same report." % TITLE in report.description
            assert TITLE not in events["course-%d-report-6" % alumni.course].description


def test_the_dates_moved_mail_tells_the_report_once(app, alumni, mailbox):
    """A new departure moves the assignment and the report alike: one line, the report's."""
    from portal import jobs
    from portal.auth.models import User
    from portal.courses.models import Course
    from portal.courses.services import save_course
    with app.app_context():
        course = db.session.get(Course, alumni.course)
        save_course(course, {"departure": course.departure + timedelta(days=2)},
                    db.session.get(User, alumni.instructor.id))
        jobs.commit()
    assert jobs.wait_idle(app)
    body = mailbox.to(alumni.ben.email)[0].get_content()
    assert "Dissemination seminar" in body
    assert TITLE not in body
    assert "Progress report, 3 months after departure" in body


def test_staff_see_which_assignment_is_also_the_plans_report(app, alumni):
    """The course's assignment list tells staff that the older pair is one obligation for
    participants (so they know why it is not due on its own); the other assignment has no
    such mark."""
    html = alumni.staff_client.get("/assignments/course/%d" % alumni.course).get_data(
        as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    same = next(r for r in rows if TITLE in r)
    seminar = next(r for r in rows if "Dissemination seminar" in r)
    assert "Also the action plan's report at 3 months" in _text(same)
    assert "Also the action plan" not in seminar


def test_the_nomination_mail_does_not_name_the_assignment_that_is_the_report(app, alumni):
    """The first deadlines a nominee is told of (dates.first_deadlines) leave out the older
    assignment that is the plan's 3-month report; the other one is named."""
    from portal import dates
    from portal.courses.models import Course
    with app.app_context():
        course = db.session.get(Course, alumni.course)
        titles = [d.title["en"] for d in dates.first_deadlines(
            course, datetime.now(UTC) - timedelta(days=1), limit=5)]
    assert titles == ["Dissemination seminar"]
