"""Demo catalogue (called by portal.demo.load; idempotent: courses matched by code, people by
e-mail, an existing outline is left as it is).

Courses of the current and next fiscal year across subjects, centers, regions and languages,
a course run three years in a row (WATER-YOKO, FY-2, FY-1, this FY: its evaluations are in
``portal.demo.evaluation``), and demo participants from every region (accounts without a
password: they cannot sign in) so that the statistics mean something.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..auth import services as accounts
from ..catalogue.models import CourseOutline
from ..courses.models import Course, Enrollment
from ..dates import fiscal_year_of
from ..extensions import db

DOMAIN = "participants.demo.example.org"
# country, name, organization
PARTICIPANTS = [
    ("SN", "Moussa Ndiaye", "Ministère de l'Hydraulique"), ("CI", "Awa Koné", "SODECI"),
    ("CM", "Paul Mbarga", "CAMWATER"), ("TZ", "Neema Mushi", "DAWASA"),
    ("ET", "Hana Bekele", "Addis Ababa Water and Sewerage Authority"),
    ("RW", "Eric Habimana", "WASAC"), ("MZ", "Sofia Macuácua", "FIPAG"),
    ("VN", "Tran Van Minh", "Hue Water Supply"), ("ID", "Dewi Lestari", "PDAM Surabaya"),
    ("PH", "Maria Santos", "Local Water Utilities Administration"),
    ("FJ", "Josaia Tui", "Water Authority of Fiji"),
    ("PE", "Lucía Quispe", "SEDAPAL"), ("GT", "José Pérez", "EMPAGUA"),
    ("CO", "Andrés Gómez", "Empresas Públicas de Medellín"),
    ("BD", "Rahim Uddin", "Dhaka WASA"), ("LK", "Nimal Perera", "NWSDB"),
    ("NP", "Sita Gurung", "KUKL"), ("JO", "Omar Haddad", "Ministry of Water and Irrigation"),
    ("MA", "Salma Benali", "ONEE"), ("UZ", "Dilnoza Karimova", "Uzsuvtaminot"),
    ("MN", "Bat-Erdene Dorj", "USUG"), ("KG", "Aibek Asanov", "Bishkekvodokanal"),
]

_D = timedelta


def _courses(today: date) -> list[dict]:
    fy = fiscal_year_of(today)
    nxt = date(fy + 1, 6, 1)
    specs = [
        dict(code="WATER-YOKO-%d" % (fy - 2), fiscal_year=fy - 2, arrival=today - _D(740),
             people=range(8)),
        dict(code="WATER-YOKO-%d" % (fy - 1), fiscal_year=fy - 1, arrival=today - _D(375),
             people=range(8, 16)),
        dict(code="WATER-YOKO-%d" % fy, fiscal_year=fy, arrival=today - _D(40),
             people=range(14, 22)),
    ]
    water = dict(subject="water-resources", program_type="group-region",
                 training_center="Yokohama", region=None, languages=["en", "fr"],
                 stay=30,
                 title={"en": "Urban water supply management: non-revenue water",
                        "fr": "Gestion de l'approvisionnement urbain en eau : l'eau non "
                              "facturée",
                        "es": "Gestión del abastecimiento urbano de agua: agua no "
                              "contabilizada"},
                 description={"en": "How Yokohama's waterworks brought leakage down to a few "
                                    "percent, and how utilities abroad adapt the method.",
                              "fr": "Comment le service des eaux de Yokohama a réduit les "
                                    "fuites à quelques pour cent, et comment des services "
                                    "étrangers adaptent la méthode."},
                 objectives={"en": "Participants draft a non-revenue water reduction plan for "
                                   "one distribution zone of their utility.",
                             "fr": "Les participants rédigent un plan de réduction de l'eau "
                                   "non facturée pour une zone de distribution de leur "
                                   "service."},
                 outline=dict(expected_outputs={
                     "en": "1. A water balance of one zone. 2. A leak detection and repair "
                           "programme. 3. A plan presented to the utility's management.",
                     "fr": "1. Un bilan hydrique d'une zone. 2. Un programme de détection et "
                           "de réparation des fuites. 3. Un plan présenté à la direction."},
                     target_organizations={"en": "Water utilities and ministries in charge "
                                                 "of urban water supply."},
                     eligibility={"en": "Engineers or managers with at least three years in "
                                        "water distribution; nominated by their government.",
                                  "fr": "Ingénieurs ou cadres ayant au moins trois ans "
                                        "d'expérience dans la distribution d'eau, présentés "
                                        "par leur gouvernement."},
                     series="WATER-YOKO"))
    courses = [{**water, **s} for s in specs]
    others = [
        ("GOV-LOCAL-%d", "governance", "Tokyo", "group-region", None, ["en"], fy, 90,
         "Local government administration and finance",
         "Administration et finances des collectivités locales",
         "Administración y finanzas de los gobiernos locales", range(12, 17)),
        ("HEALTH-MCH-%d", "health", "Okinawa", "group-region", "africa", ["fr"], fy, 120,
         "Maternal and child health handbook", "Le carnet de santé mère-enfant",
         "La libreta de salud materno-infantil", range(5)),
        ("AGRI-RICE-%d", "agriculture", "Tsukuba", "group-region", "africa", ["en", "fr"], fy,
         20, "Rice cultivation techniques for African farmers",
         "Techniques de riziculture pour les agriculteurs africains",
         "Técnicas de cultivo de arroz para agricultores africanos", range(2, 7)),
        ("ICT-GOV-%d", "ict", "Kyushu", "group-region", None, ["en"], fy, 100,
         "Digital government services", "Services publics numériques",
         "Servicios públicos digitales", range(13, 19)),
        ("DRR-BBB-%d", "disaster-risk-reduction", "Kansai", "group-region",
         "southeast-asia-pacific", ["en"], fy, 0, "Building back better after disasters",
         "Reconstruire en mieux après les catastrophes",
         "Reconstruir mejor después de los desastres", range(7, 11)),
        ("EDU-MATH-%d", "education", "Shikoku", "country", "latin-america-caribbean", ["es"],
         fy + 1, 0, "Mathematics teaching in primary schools",
         "L'enseignement des mathématiques à l'école primaire",
         "La enseñanza de las matemáticas en la escuela primaria", ()),
        ("ENV-WASTE-%d", "environmental-management", "Hokkaido", "group-region",
         "middle-east-europe", ["en"], fy + 1, 30, "Solid waste management for cities",
         "Gestion des déchets solides urbains", "Gestión de residuos sólidos urbanos", ()),
        ("ENERGY-GRID-%d", "natural-resources-energy", "Chubu", "young-leaders",
         "east-central-asia-caucasus", ["en"], fy + 1, 60, "Stable electricity grids",
         "Des réseaux d'électricité stables", "Redes eléctricas estables", ()),
        ("HEALTH-UHC-%d", "health", "Tokyo", "group-region", "south-asia", ["en"], fy + 1, 90,
         "Towards universal health coverage", "Vers la couverture santé universelle",
         "Hacia la cobertura sanitaria universal", ()),
    ]
    for (code, subject, center, ptype, region, langs, year, shift, en, fr, es,
         people) in others:
        arrival = (today - _D(60) + _D(shift)) if year == fy else nxt + _D(shift)
        courses.append(dict(code=code % year, fiscal_year=year, subject=subject,
                            training_center=center, program_type=ptype, region=region,
                            languages=langs, arrival=arrival, stay=28, people=people,
                            title={"en": en, "fr": fr, "es": es},
                            description={}, objectives={}, outline=None))
    return courses


def _participants() -> list:
    found = []
    for n, (country, name, org) in enumerate(PARTICIPANTS):
        email = "p%02d@%s" % (n + 1, DOMAIN)
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email, name, "participant", country=country,
                                        organization=org,
                                        language="fr" if country in ("SN", "CI", "CM", "RW",
                                                                     "MA") else
                                        "es" if country in ("PE", "GT", "CO") else "en")
        found.append(user)
    return found


def load(users: dict, today: date) -> None:
    people = _participants()
    for spec in _courses(today):
        course = _course(spec, users)
        _enroll(course, [people[i] for i in spec["people"]], today)
        if spec["outline"] and db.session.get(CourseOutline, course.id) is None:
            db.session.add(CourseOutline(course_id=course.id, **spec["outline"]))
    db.session.flush()


def _course(spec: dict, users: dict) -> Course:
    """The course ``spec`` describes, created or brought back to it, with its staff."""
    course = db.session.execute(select(Course).where(
        Course.code == spec["code"])).scalar_one_or_none()
    if course is None:
        course = Course(code=spec["code"])
        db.session.add(course)
    for name in ("subject", "program_type", "training_center", "region", "languages",
                 "title", "description", "objectives", "fiscal_year"):
        setattr(course, name, spec[name])
    course.arrival = spec["arrival"]
    course.pre_arrival_opens = spec["arrival"] - _D(45)
    course.departure = spec["arrival"] + _D(spec["stay"])
    course.report_months = [3, 6]
    if not course.coordinators:
        course.coordinators = [users["coordinator"]]
    if spec["subject"] == "water-resources" and not course.instructors:
        course.instructors = [users["tanaka"]]
    db.session.flush()
    return course


def _enroll(course: Course, people: list, today: date) -> None:
    """Enroll ``people`` not enrolled yet: alumni of a course that has ended, else accepted."""
    status = "completed" if course.departure < today else "accepted"
    enrolled = {e.user_id for e in course.enrollments}
    for person in people:
        if person.id not in enrolled:
            course.enrollments.append(Enrollment(user=person, status=status))
