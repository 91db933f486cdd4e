"""The program's shared vocabulary (DESIGN.md): stable slugs with translated labels."""
from ..i18n import lazy_gettext as _l
from .models import EnrollmentState

SUBJECTS = {
    "governance": _l("Governance"),
    "gender": _l("Gender equality and women's empowerment"),
    "peacebuilding": _l("Peacebuilding"),
    "ict": _l("Information and communication technology"),
    "evaluation": _l("Evaluation"),
    "education": _l("Education"),
    "health": _l("Health"),
    "social-security": _l("Social security"),
    "economic-policy": _l("Economic policy"),
    "private-sector": _l("Private sector development"),
    "agriculture": _l("Agricultural development"),
    "rural-development": _l("Rural development"),
    "transportation": _l("Transportation"),
    "urban-regional": _l("Urban and regional development"),
    "natural-resources-energy": _l("Natural resources and energy"),
    "environmental-management": _l("Environmental management"),
    "natural-environment-conservation": _l("Natural environment conservation"),
    "water-resources": _l("Water resources"),
    "disaster-risk-reduction": _l("Disaster risk reduction"),
}

REGIONS = {
    "africa": _l("Africa"),
    "southeast-asia-pacific": _l("Southeast Asia and Pacific"),
    "latin-america-caribbean": _l("Latin America and the Caribbean"),
    "south-asia": _l("South Asia"),
    "middle-east-europe": _l("Middle East and Europe"),
    "east-central-asia-caucasus": _l("East and Central Asia and the Caucasus"),
}

PROGRAM_TYPES = {
    "group-region": _l("Group and region focus"),
    "country": _l("Country focus"),
    "young-leaders": _l("Young leaders"),
}

PHASES = {
    "upcoming": _l("Upcoming"),
    "pre-arrival": _l("Pre-arrival"),
    "in-japan": _l("In Japan"),
    "post-return": _l("Post-return"),
    "closed": _l("Closed"),
}

TRAINING_CENTERS = ("Tokyo", "Yokohama", "Tsukuba", "Chubu", "Kansai", "Chugoku", "Shikoku",
                    "Kyushu", "Okinawa", "Hokkaido", "Tohoku", "Hokuriku")

# The labels of the states (the states themselves: ``EnrollmentState``, beside the model).
ENROLLMENT_STATES = {
    EnrollmentState.NOMINATED: _l("Nominated"),
    EnrollmentState.ACCEPTED: _l("Accepted"),
    EnrollmentState.IN_PROGRESS: _l("In progress"),
    EnrollmentState.COMPLETED: _l("Completed (alumni)"),
    EnrollmentState.WITHDRAWN: _l("Withdrawn"),
}
