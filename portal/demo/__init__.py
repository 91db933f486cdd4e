"""Demo data: idempotent (matched by e-mail and course code), dates relative to today so that
each course is in the phase its description says whenever the demo is loaded."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from .. import dates
from ..auth import services as accounts, two_step
from ..courses.models import Course, Enrollment
from ..db_types import utcnow
from ..extensions import db
from . import action_plans, assignments, catalogue, evaluation, library, messaging

DEFAULT_PASSWORD = "portal-demo-2026"
# Admins and coordinators must use two-step sign-in, so the demo's are enrolled with this key
# (public, like the password: demo data only). Add it to an authenticator app (time-based), or
# compute the code: python -c "import pyotp; print(pyotp.TOTP('<key>').now())". README, "Demo".
DEMO_TOTP_SECRET = "DEMOPORTALKEYAAAAAAAAAAAAAAAAAAA"
DOMAIN = "demo.example.org"

# email local part, name, role, country, language, time zone, organization
PEOPLE = [
    ("admin", "Akiko Yamamoto", "admin", "JP", "en", "Asia/Tokyo", "Portal operations"),
    ("coordinator", "Kenji Sato", "coordinator", "JP", "en", "Asia/Tokyo", "Chubu Center"),
    ("tanaka", "Yuko Tanaka", "instructor", "JP", "en", "Asia/Tokyo", "Nagoya University"),
    ("mori", "Hiroshi Mori", "instructor", "JP", "fr", "Asia/Tokyo", "Kansai Center"),
    ("aminata", "Aminata Diallo", "participant", "SN", "fr", "Africa/Dakar",
     "Ministère des Pêches et de l'Économie maritime"),
    ("jean-baptiste", "Jean-Baptiste Kaboré", "participant", "BF", "fr", "Africa/Ouagadougou",
     "Direction générale des ressources halieutiques"),
    ("carlos", "Carlos Mendoza", "participant", "BO", "es", "America/La_Paz",
     "Gobierno Autónomo Municipal de Cochabamba"),
    ("fernanda", "María Fernanda López", "participant", "HN", "es", "America/Tegucigalpa",
     "Secretaría de Educación"),
    ("grace", "Grace Wanjiru", "participant", "KE", "en", "Africa/Nairobi",
     "Ministry of Education"),
    ("lan", "Nguyen Thi Lan", "participant", "VN", "en", "Asia/Ho_Chi_Minh",
     "Da Nang Disaster Management Office"),
    ("samuel", "Samuel Osei", "participant", "GH", "en", "Africa/Accra",
     "Accra Metropolitan Assembly"),
]


def _courses(today: date) -> list[dict]:
    d = timedelta
    return [
        dict(code="FISH-FRA-2026", subject="agriculture", program_type="young-leaders",
             training_center="Chubu", region="africa", languages=["fr"], report_months=[3, 6],
             title={"en": "Fishery resource management for French-speaking Africa",
                    "fr": "Gestion des ressources halieutiques pour l'Afrique francophone",
                    "es": "Gestión de recursos pesqueros para África francófona"},
             description={"en": "Community-based fishery management learned with fishers' "
                                "cooperatives of Toyama Bay.",
                          "fr": "La gestion communautaire des pêches, apprise avec les "
                                "coopératives de pêcheurs de la baie de Toyama."},
             objectives={"en": "Participants draw up a co-management plan for one fishing "
                               "community of their country, with its fishers' organization.",
                         "fr": "Les participants élaborent un plan de cogestion pour une "
                               "communauté de pêcheurs de leur pays, avec son organisation de "
                               "pêcheurs."},
             opens=today - d(10), arrival=today + d(20), departure=today + d(50),
             instructors=["tanaka", "mori"], enrolled={"aminata": "accepted",
                                                       "jean-baptiste": "accepted"}),
        dict(code="CBD-LOCAL-2026", subject="rural-development", program_type="group-region",
             training_center="Kyushu", region=None, languages=["en", "es"],
             report_months=[3, 6, 12],
             title={"en": "Community-based development with local residents",
                    "fr": "Développement communautaire avec les habitants",
                    "es": "Desarrollo comunitario con los residentes locales"},
             description={"en": "How Japanese towns revitalised themselves with their residents."},
             opens=today - d(140), arrival=today - d(110), departure=today - d(80),
             instructors=["tanaka"], enrolled={"carlos": "completed", "lan": "completed"}),
        dict(code="EDU-INCL-2026", subject="education", program_type="group-region",
             training_center="Tsukuba", region="latin-america-caribbean", languages=["es", "en"],
             report_months=[6],
             title={"en": "Inclusive education for children with disabilities",
                    "fr": "Éducation inclusive des enfants en situation de handicap",
                    "es": "Educación inclusiva para niños con discapacidad"},
             description={"es": "Políticas y prácticas de educación inclusiva en Japón."},
             opens=today + d(30), arrival=today + d(60), departure=today + d(85),
             instructors=["mori"], enrolled={"fernanda": "nominated", "grace": "nominated"}),
        dict(code="DRR-KANSAI-2025", subject="disaster-risk-reduction",
             program_type="group-region", training_center="Kansai", region=None,
             languages=["en"], report_months=[3, 6],
             title={"en": "Disaster risk reduction: building back better",
                    "fr": "Réduction des risques de catastrophe : reconstruire en mieux",
                    "es": "Reducción del riesgo de desastres: reconstruir mejor"},
             description={"en": "Lessons from the Great Hanshin-Awaji Earthquake for local "
                                "governments."},
             opens=today - d(420), arrival=today - d(390), departure=today - d(360),
             instructors=["mori"], enrolled={"samuel": "completed"}),
    ]


def _accounts(password: str) -> dict:
    users = {}
    for local, name, role, country, lang, tz, org in PEOPLE:
        email = "%s@%s" % (local, DOMAIN)
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, role, language=lang, country=country,
                                        timezone=tz, organization=org)
        if not user.check_password(password):
            user.set_password(password)
        if two_step.required_for(user) and not user.two_step_on:
            user.totp_secret, user.totp_enabled_at = DEMO_TOTP_SECRET, utcnow()
        users[local] = user
    return users


def load(password: str | None = None, today: date | None = None) -> list[tuple[str, str, str]]:
    """Create or refresh the demo data; returns (email, role, name) of the demo accounts."""
    password = password or current_app.config["DEMO_PASSWORD"] or DEFAULT_PASSWORD
    today = today or dates.today()
    users = _accounts(password)
    for spec in _courses(today):
        _course(spec, users)
    db.session.flush()
    action_plans.load(users, today)
    library.load(user_id=users["coordinator"].id)
    assignments.load(users, today)
    catalogue.load(users, today)
    evaluation.load(users, today)  # after the catalogue: it adds the courses evaluated
    messaging.load(users)
    return [(u.email, u.role, u.name) for u in users.values()]


def _course(spec: dict, users: dict) -> Course:
    """The course ``spec`` describes, created or brought back to it, with its people."""
    course = db.session.execute(
        select(Course).where(Course.code == spec["code"])).scalar_one_or_none()
    if course is None:
        course = Course(code=spec["code"])
        db.session.add(course)
    for field in ("subject", "program_type", "training_center", "region", "languages",
                  "report_months", "title", "description"):
        setattr(course, field, spec[field])
    course.objectives = spec.get("objectives", course.objectives or {})
    course.fiscal_year = dates.fiscal_year_of(spec["arrival"])
    course.pre_arrival_opens, course.arrival, course.departure = (
        spec["opens"], spec["arrival"], spec["departure"])
    course.instructors = [users[i] for i in spec["instructors"]]
    if not course.coordinators:
        course.coordinators = [users["coordinator"]]
    db.session.flush()
    _enroll(course, spec["enrolled"], users)
    return course


def _enroll(course: Course, states: dict[str, str], users: dict) -> None:
    """Enroll the people of ``states`` (e-mail local part -> state) not enrolled yet."""
    enrolled = {e.user_id: e for e in course.enrollments}
    for local, status in states.items():
        if users[local].id not in enrolled:
            course.enrollments.append(Enrollment(user=users[local], status=status))
