"""Action plans drafted in Japan and the progress reports alumni send after their return."""
import click
from flask import Blueprint
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

bp = Blueprint("action_plans", __name__, cli_group=None)

# routes register themselves on bp; reminders follow course dates (a signal receiver)
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT  # noqa: E402
from ..home.panels import panel  # noqa: E402
from ..navigation import nav_link  # noqa: E402
from . import reminders, routes  # noqa: E402,F401


def may_download_evidence(user, stored_file) -> bool:
    """Evidence goes to the report's author and the course's staff (the download rule of the
    ``plan-evidence`` upload purpose, portal/uploads/purposes.py)."""
    from sqlalchemy import select

    from ..extensions import db
    from . import services
    from .models import ProgressReport, ReportFile

    if not getattr(user, "is_authenticated", False):
        return False
    report = db.session.scalar(select(ProgressReport).join(ReportFile).where(
        ReportFile.file_id == stored_file.id))
    if report is None:
        return stored_file.uploader_id == user.id  # sent, not yet attached
    return services.is_author(user, report.plan) or (
        report.state == "submitted" and report.plan.course.is_staff(user))


nav_link("action_plans.my_plans", _l("Action plans"), order=30, roles=(PARTICIPANT,))
nav_link("action_plans.courses", _l("Action plans"), order=30,
         roles=(INSTRUCTOR, COORDINATOR, ADMIN))
nav_link("action_plans.practice", _l("Alumni practice"), order=35, roles=("authenticated",))


@panel(order=30, roles=(PARTICIPANT,))
def my_action_plans(user):
    from . import services
    rows = [(e, p) for e, p in services.plans_of(user) if e.is_participating]
    if not rows:
        return None
    return "action_plans/_panel.html", {"rows": rows, "states": services.state_labels()}


@panel(order=30, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def plans_to_review(user):
    from . import services
    plans = services.waiting_for_review(user)
    if not plans:
        return None
    return "action_plans/_panel_review.html", {"plans": plans}


@bp.cli.command("send-plan-reminders")
@with_appcontext
def send_plan_reminders():
    """E-mail alumni whose progress report falls due within 7 days, or is overdue (hourly)."""
    from .. import jobs
    from .reminders import send_due
    count = send_due()
    jobs.commit()
    click.echo("queued %d progress-report reminders" % count)
