"""Demo action plans (called by portal.demo.load; idempotent: an enrollment that has a plan is
left as it is).

- samuel (DRR-KANSAI-2025, alumnus): accepted plan, shared, one submitted progress report;
- carlos (CBD-LOCAL-2026, alumnus): accepted plan in Spanish, shared, first report due soon;
- lan (CBD-LOCAL-2026, alumnus): plan submitted, waiting for the instructor's review.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from .. import dates
from ..action_plans.models import ACCEPTED, SUBMITTED, ActionPlan, PlanComment, PlanVersion
from ..action_plans.reports import new_report
from ..action_plans.services import search_text_of
from ..courses.models import Course, Enrollment
from ..db_types import utcnow
from ..extensions import db


def _activity(key, description, responsible, start, end, indicator, target, resources):
    return dict(key=key, description=description, responsible=responsible, start=start, end=end,
                indicator=indicator, target=target, resources=resources)


def _plans(departure):
    d = lambda days: (departure + timedelta(days=days)).isoformat()  # noqa: E731
    return {
        ("samuel", "DRR-KANSAI-2025"): dict(language="en", shared=True, content=dict(
            title="Community flood early warning for Accra's low-lying districts",
            problem="Floods in the Odaw basin displace thousands every rainy season. Warnings "
                    "reach residents late or not at all, and evacuation routes are unknown.",
            objectives="Warnings reach every household in 12 flood-prone districts within 30 "
                       "minutes; each district runs one evacuation drill a year.",
            target_group="Residents of 12 districts; assembly members; the Ghana Meteorological "
                         "Agency; NADMO district officers; local radio stations.",
            activities=[
                _activity("map1", "Map flood-prone streets and safe places with residents, as "
                          "learned in Kobe's community hazard mapping", "Planning department",
                          d(30), d(120), "Districts with a validated hazard map", "12",
                          "GPS phones, volunteers, printing"),
                _activity("warn1", "Set up an SMS and radio warning chain from the "
                          "meteorological agency to district volunteers", "Disaster unit",
                          d(60), d(180), "Minutes from alert to household", "30",
                          "SMS gateway, two radio agreements"),
                _activity("drill1", "Run one evacuation drill per district with schools",
                          "District officers", d(150), d(330), "People taking part", "5,000",
                          "Sirens, first-aid kits"),
            ],
            risks="Budget cuts after elections; volunteer turnover. Mitigation: written "
                  "agreements with districts and a volunteer register.",
            support="Advice from Kobe City on drills; exchange with other alumni from West "
                    "Africa.")),
        ("carlos", "CBD-LOCAL-2026"): dict(language="es", shared=True, content=dict(
            title="Mercados de productores en los distritos rurales de Cochabamba",
            problem="Los pequeños productores venden a intermediarios a precios bajos; los "
                    "distritos rurales pierden población joven.",
            objectives="Abrir tres mercados semanales gestionados por asociaciones de "
                       "productores, siguiendo el modelo michi-no-eki visto en Kyushu.",
            target_group="Asociaciones de productores de tres distritos; dirección de "
                         "desarrollo económico; juntas vecinales.",
            activities=[
                _activity("mer1", "Diagnóstico participativo con las asociaciones",
                          "Dirección de Desarrollo Económico", d(20), d(80),
                          "Asociaciones participantes", "9", "Facilitadores, transporte"),
                _activity("mer2", "Habilitar el primer mercado semanal en Sacaba",
                          "Junta vecinal y municipio", d(90), d(200), "Puestos activos", "40",
                          "Toldos, balanzas, señalización"),
            ],
            risks="Resistencia de intermediarios; lluvias que cortan caminos.",
            support="Intercambio con exparticipantes de Perú y Paraguay.")),
        ("lan", "CBD-LOCAL-2026"): dict(language="en", shared=False, content=dict(
            title="Neighbourhood recycling groups in Da Nang",
            problem="Household waste is not sorted; the landfill will be full in six years.",
            objectives="Half of the households of two wards sort waste at source.",
            target_group="Women's union, ward committees, schools.",
            activities=[
                _activity("rec1", "Train ward volunteers in sorting, as in Kitakyushu",
                          "Women's union", d(15), d(75), "Volunteers trained", "60",
                          "Training room, leaflets"),
            ],
            risks="Collection trucks mix sorted waste again.",
            support="Contacts with Kitakyushu city.")),
    }


def load(users: dict, today) -> None:
    """Create the demo plans where they do not exist yet (``users``: demo accounts by e-mail
    local part)."""
    for local, code in _plans(today):
        course = db.session.scalar(select(Course).where(Course.code == code))
        user = users.get(local)
        if course is None or user is None:
            continue
        spec = _plans(course.departure)[(local, code)]
        enrollment = db.session.scalar(select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user.id))
        if enrollment is None or db.session.scalar(
                select(ActionPlan.id).where(ActionPlan.enrollment_id == enrollment.id)):
            continue
        _make(enrollment, course, spec, users, local == "lan")


def _make(enrollment, course, spec, users, pending: bool) -> None:
    content = spec["content"]
    plan = ActionPlan(enrollment=enrollment, language=spec["language"], content=content,
                      shared=spec["shared"], state=SUBMITTED if pending else ACCEPTED,
                      search_text="" if pending else search_text_of(content))
    db.session.add(plan)
    reviewer = course.instructors[0] if course.instructors else None
    version = PlanVersion(plan=plan, number=1, content=content, language=spec["language"],
                          status=SUBMITTED if pending else ACCEPTED,
                          created_by_id=enrollment.user_id,
                          created_at=_during_course(course, pending))
    db.session.add(version)
    db.session.flush()
    if not pending:
        version.decided_at = version.created_at + timedelta(days=2)
        version.decided_by_id = reviewer.id if reviewer else None
        db.session.add(PlanComment(plan_id=plan.id, version=version, section="activities",
                                   author_id=reviewer.id if reviewer else None,
                                   body="Clear, measurable activities. Start the drills with "
                                        "the schools that already have a disaster committee."
                                   if spec["language"] == "en" else
                                   "Actividades claras. Involucre pronto a las juntas "
                                   "vecinales."))
    db.session.flush()
    if enrollment.user.email.startswith("samuel@"):
        _samuel_report(plan)


def _during_course(course, pending: bool) -> datetime:
    """When the plan was handed in, consistent with the course's dates: in its last week in
    Japan (a plan still waiting: two days ago, but never before the course began)."""
    began = datetime.combine(course.arrival, time(9), UTC)
    if pending:
        return max(utcnow() - timedelta(days=2), began)
    return min(datetime.combine(course.departure - timedelta(days=5), time(10), UTC), utcnow())


def _samuel_report(plan: ActionPlan) -> None:
    report = new_report(plan, 3)
    statuses = {"map1": ("done", 100), "warn1": ("in_progress", 60),
                "drill1": ("not_started", 0)}
    for a in report.activities:
        a.status, a.percent = statuses.get(a.activity_key, ("not_started", 0))
    report.achievements = ("Hazard maps validated with residents in 12 districts; the SMS "
                           "chain reaches 8 districts in under 40 minutes.")
    report.challenges = "Two radio stations have not signed the agreement yet."
    report.next_steps = "Sign the radio agreements; first drill with 4 schools in May."
    report.applied = ("Community hazard mapping and the 'own safety, mutual help' approach "
                      "seen in Kobe and Awaji.")
    # Sent a few days before it was due (3 months after the course), and not in the future.
    due = datetime.combine(dates.report_due(plan.course, 3), time(10), UTC)
    report.state, report.submitted_at = "submitted", min(due - timedelta(days=4), utcnow())
    db.session.add(report)
    db.session.flush()

