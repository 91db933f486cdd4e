"""The demo data: assignments in the pre-arrival and post-return courses, loaded twice."""
from datetime import date

from sqlalchemy import func, select

from portal.assignments.models import Assignment, Submission
from portal.auth.models import User
from portal.courses.models import Course
from portal.demo import assignments as demo
from portal.extensions import db


def test_demo_assignments_are_idempotent(app, quick_user):
    participant = quick_user("participant")
    today = date.today()
    with app.app_context():
        for code in ("FISH-FRA-2026", "CBD-LOCAL-2026"):
            db.session.add(Course(code=code, title={"en": code}, subject="agriculture",
                                  training_center="Chubu", fiscal_year=today.year,
                                  pre_arrival_opens=today, arrival=today, departure=today))
        db.session.commit()
        users = {"jean-baptiste": db.session.get(User, participant.id)}
        for _ in range(2):
            demo.load(users, today)
            db.session.commit()
        phases = sorted((a.course.code, a.phase) for a in db.session.scalars(select(Assignment)))
        assert ("FISH-FRA-2026", "pre-arrival") in phases
        assert ("CBD-LOCAL-2026", "post-return") in phases
        assert db.session.scalar(select(func.count(Assignment.id))) == 3
        submission = db.session.scalar(select(Submission))
        assert submission.state == "submitted" and submission.current.attachments
