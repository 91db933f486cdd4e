"""Progress reports: refused before acceptance, drafts, submission, evidence, reminders."""
import io
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from portal.extensions import db


def _report_form(**extra):
    return {"language": "en", "activity-a1-status": "done", "activity-a1-percent": "100",
            "activity-a2-status": "in_progress", "activity-a2-percent": "40",
            "achievements": "120 streets mapped with residents.",
            "challenges": "Rainy season slowed the drill.",
            "next_steps": "Drill in October.",
            "applied": "Community hazard mapping learned in Kobe.", **extra}


def _report(app, plan_id, month):
    from portal.action_plans.models import ProgressReport
    with app.app_context():
        r = db.session.scalar(select(ProgressReport).where(ProgressReport.plan_id == plan_id,
                                                           ProgressReport.month == month))
        if r is None:
            return None
        return {"state": r.state, "achievements": r.achievements,
                "activities": {a.activity_key: (a.status, a.percent) for a in r.activities},
                "files": [f.file.name for f in r.files]}


def test_report_refused_on_a_plan_not_yet_accepted(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    url = "/action-plans/%d/reports/3" % plan_id
    response = c.get(url)
    assert response.status_code == 409
    assert "once the action plan has been accepted" in response.get_data(as_text=True)
    token = c.csrf_token("/action-plans/%d" % plan_id)
    response = c.post(url, data={**_report_form(), "csrf_token": token})
    assert response.status_code == 409 and _report(app, plan_id, 3) is None


def test_report_outside_the_schedule_is_not_found(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    assert c.get("/action-plans/%d/reports/4" % plan_id).status_code == 404


def test_alumnus_saves_then_submits_a_report(app, world, accepted_plan, signin):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    page = c.get(url).get_data(as_text=True)
    assert "Map flood-prone streets with residents" in page
    assert c.submit(url, {**_report_form(), "action": "save"}).status_code == 302
    assert _report(app, plan_id, 3)["state"] == "draft"
    staff = signin(world.instructor)
    assert "has not been submitted" in staff.get(url).get_data(as_text=True)  # drafts stay put
    response = c.submit(url, {**_report_form(), "action": "submit"})
    assert response.status_code == 302
    report = _report(app, plan_id, 3)
    assert report["state"] == "submitted"
    assert report["activities"] == {"a1": ("done", 100), "a2": ("in_progress", 40)}
    read = staff.get(url).get_data(as_text=True)
    assert "120 streets mapped" in read
    assert "<td>40%</td>" in read and "<td>100%</td>" in read  # by Babel (was "40 %")
    # Submitted: read-only for the author too.
    assert b'name="achievements"' not in c.get(url).data
    token = c.csrf_token(url)
    assert c.post(url, data={**_report_form(achievements="changed"),
                             "csrf_token": token}).status_code == 409
    # The next report starts from where this one left off.
    nxt = c.get("/action-plans/%d/reports/6" % plan_id).get_data(as_text=True)
    assert 'value="40"' in nxt


def test_bad_report_input_keeps_what_was_typed(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    response = c.submit(url, {**_report_form(achievements="", applied="",
                                             challenges="Floods in June."),
                              "activity-a2-percent": "140", "activity-a1-status": "finished",
                              "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Describe what has been achieved so far." in html
    assert "Say what you applied from your training in Japan." in html
    assert "Enter a whole number from 0 to 100" in html and 'value="140"' in html
    assert "Choose a status." in html
    assert "Floods in June." in html
    assert _report(app, plan_id, 3) is None


def test_evidence_is_attached_and_served_only_to_who_may_read(app, world, accepted_plan,
                                                              signin):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    token = c.csrf_token(url)
    pdf = (io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "minutes.pdf")
    response = c.post(url, data={**_report_form(), "csrf_token": token, "action": "save",
                                 "evidence": pdf}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _report(app, plan_id, 3)["files"] == ["minutes.pdf"]
    from portal.action_plans.models import ReportFile
    with app.app_context():
        file_id = db.session.scalar(select(ReportFile.file_id))
    link = "/action-plans/%d/reports/3/files/%d" % (plan_id, file_id)
    assert c.get(link).status_code == 200
    assert signin(world.instructor).get(link).status_code == 404  # a draft: not yet the staff's
    c.submit(url, {**_report_form(), "action": "submit"})
    staff = signin(world.instructor)
    got = staff.get(link)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert signin(world.peer).get(link).status_code == 404
    assert signin(world.outsider).get(link).status_code == 404


def test_a_refused_file_keeps_the_text(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    token = c.csrf_token(url)
    bad = (io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe")
    response = c.post(url, data={**_report_form(challenges="Typed text"), "csrf_token": token,
                                 "action": "save", "evidence": bad},
                      content_type="multipart/form-data")
    assert response.status_code in (400, 413)
    assert "Typed text" in response.get_data(as_text=True)
    assert _report(app, plan_id, 3) is None


def test_reminders_once_per_event_in_the_alumnus_language(app, world, accepted_plan, runner,
                                                          mailbox):
    from portal.action_plans.models import PlanReminder
    from portal.action_plans.reminders import send_due
    from portal.auth.models import User
    from portal.courses.models import Course, Enrollment
    from portal.dates import report_due
    c, plan_id = accepted_plan()
    with app.app_context():
        db.session.get(User, world.author.id).language = "fr"
        course = db.session.get(Course, world.course)
        due3 = report_due(course, 3)
        # Enrolled before the course (an "overdue" never concerns a date before enrollment).
        db.session.get(Enrollment, world.author_enrollment).created_at = datetime.combine(
            course.pre_arrival_opens, time(), UTC)
        db.session.commit()
    mailbox.messages.clear()
    with app.app_context():
        from portal import jobs
        assert send_due(due3 - timedelta(days=3)) == 1
        jobs.commit()
        assert send_due(due3 - timedelta(days=2)) == 0  # never twice for the same event
        jobs.commit()
        assert send_due(due3 + timedelta(days=1)) == 1  # once overdue
        jobs.commit()
        assert db.session.scalar(select(func.count()).select_from(PlanReminder)) == 2
    subjects = [m["Subject"] for m in mailbox.to(world.author.email)]
    assert len(subjects) == 2
    assert subjects[0].startswith("Votre rapport d'avancement est à rendre dans 3\xa0jours (")
    assert subjects[1] == "Votre rapport d'avancement est en retard"
    body = mailbox.to(world.author.email)[0].get_content()
    assert "/action-plans/%d/reports/3" % plan_id in body


def test_reminders_skip_submitted_reports_and_the_command_runs(app, world, accepted_plan,
                                                               runner, mailbox):
    c, plan_id = accepted_plan()
    c.submit("/action-plans/%d/reports/3" % plan_id, {**_report_form(), "action": "submit"})
    from portal.action_plans.models import ActionPlan
    from portal.action_plans.reminders import events_for
    from portal.dates import report_due
    with app.app_context():
        plan = db.session.get(ActionPlan, plan_id)
        due3 = report_due(plan.course, 3)
        assert events_for(plan, due3 - timedelta(days=1)) == []
        assert events_for(plan, due3 + timedelta(days=1)) == []
    result = runner.invoke(args=["send-plan-reminders"])
    assert result.exit_code == 0 and "progress-report reminders" in result.output


def test_smtp_down_during_plan_reminders_then_back_delivered_once(app, world, accepted_plan,
                                                                  runner, mailbox):
    """Issue 15.6: a reminder counts as sent only once the SMTP server took it."""
    import time as clock

    from portal.courses.models import Course, Enrollment
    from portal.dates import report_due, today
    c, plan_id = accepted_plan()
    with app.app_context():
        course = db.session.get(Course, world.course)
        db.session.get(Enrollment, world.author_enrollment).created_at = datetime.combine(
            course.pre_arrival_opens, time(), UTC)
        db.session.commit()
        assert report_due(course, 3) < today()           # the 3-month report is overdue
    mailbox.messages.clear()
    app.config.update(MAIL_URL="smtp://127.0.0.1:9", MAIL_RETRY_FIRST=1.0)
    result = runner.invoke(args=["send-plan-reminders"])
    assert result.exit_code == 1
    assert "1 progress-report reminders queued; 0 delivered, 1 waiting to retry" in result.output
    app.config["MAIL_URL"] = mailbox.url
    clock.sleep(1.1)
    result = runner.invoke(args=["send-plan-reminders"])
    assert result.exit_code == 0 and "earlier mail: 1 delivered" in result.output
    runner.invoke(args=["send-plan-reminders"])
    [reminder] = mailbox.to(world.author.email)
    assert "overdue" in reminder["Subject"]
