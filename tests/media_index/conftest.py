"""Fixtures for the media_index tests (no Flask)."""

import pytest

from media_index.indexer import Indexer, Upsert
from media_index.searcher import Searcher


def cues(*lines, step_ms=10_000, start_ms=0):
    """Cues every ``step_ms``; a line may be (start_ms, text) to place it exactly."""
    result, at = [], start_ms
    for line in lines:
        if isinstance(line, tuple):
            at, text = line
        else:
            text = line
        result.append((at, at + step_ms - 500, text))
        at += step_ms
    return result


FILLER_EN = ["Good morning and welcome to this lecture.", "Let us look at the data together.",
             "This was discussed with the local partners.", "Thank you for your attention."]
FILLER_FR = ["Bonjour et bienvenue à cette conférence.", "Regardons ensemble les données.",
             "Cela a été discuté avec les partenaires locaux.", "Merci de votre attention."]
FILLER_ES = ["Buenos días y bienvenidos a esta conferencia.", "Veamos juntos los datos.",
             "Esto se discutió con los socios locales.", "Gracias por su atención."]


def _corpus():
    return [
        {
            "id": "kitakyushu-waste", "kind": "video", "visibility": "public", "year": 2018,
            "title": {"en": "Waste management in Kitakyushu",
                      "fr": "La gestion des déchets à Kitakyushu",
                      "es": "Gestión de residuos en Kitakyushu"},
            "description": {"en": "How a polluted industrial city became a model of recycling "
                                  "and solid waste management.",
                            "fr": "Comment une ville industrielle polluée est devenue un modèle "
                                  "de recyclage et de gestion des déchets solides."},
            "subjects": ["environmental-management", "urban-regional"],
            "keywords": ["recycling", "3R", "local government"],
            "audio_language": "ja", "view_count": 120, "created_ts": 1_600_000_000,
            "transcripts": {
                "en": cues(*FILLER_EN, (95_000, "Separating household waste at the source "
                                                "is the first step of waste management."),
                           *FILLER_EN),
                "fr": cues(*FILLER_FR, (95_000, "Le tri des déchets ménagers à la source est la "
                                                "première étape de la gestion des déchets."),
                           *FILLER_FR, (180_000, "Les citoyens ont réduit les déchets de moitié.")),
                "es": cues(*FILLER_ES, (95_000, "La separación de residuos domésticos en origen."),
                           *FILLER_ES),
            },
        },
        {
            "id": "tohoku-drr", "kind": "video", "visibility": "public", "year": 2019,
            "title": {"en": "Disaster risk reduction after the Great East Japan Earthquake",
                      "es": "Reducción del riesgo de desastres después del gran terremoto",
                      "ja": "東日本大震災後の防災"},
            "description": {"en": "Evacuation drills, early warning and building back better.",
                            "es": "Simulacros de evacuación, alerta temprana y reconstruir mejor."},
            "subjects": ["disaster-risk-reduction"], "keywords": ["tsunami", "evacuation"],
            "audio_language": "ja", "view_count": 300, "created_ts": 1_650_000_000,
            "transcripts": {
                "en": cues(*FILLER_EN, (64_000, "The tsunami warning reached every school "
                                                "within three minutes."), *FILLER_EN),
                "es": cues(*FILLER_ES, (64_000, "La alerta de tsunami llegó a todas las "
                                                "escuelas en tres minutos."), *FILLER_ES),
                "ja": cues((64_000, "津波警報は三分以内にすべての学校に届きました。")),
            },
        },
        {
            "id": "fisheries-comanagement", "kind": "video", "visibility": "registered",
            "year": 2016,
            "title": {"en": "Fisheries co-management with coastal communities",
                      "fr": "La cogestion des pêches avec les communautés côtières"},
            "description": {"en": "Fishermen's cooperatives share the management of coastal "
                                  "resources."},
            "subjects": ["natural-resources-energy", "rural-development"],
            "keywords": ["fishery", "cooperative"], "audio_language": "en",
            "view_count": 50, "created_ts": 1_500_000_000,
            "transcripts": {
                "en": cues(*FILLER_EN, (40_000, "The cooperative limits the fishing season "
                                                "to protect spawning stocks.")),
                "fr": cues(*FILLER_FR, (40_000, "La coopérative limite la saison de pêche.")),
            },
        },
        {
            "id": "inclusive-education", "kind": "video", "visibility": "course",
            "courses": ["EDU-2024-A"], "year": 2022,
            "title": {"en": "Inclusive education for children with disabilities",
                      "fr": "L'éducation inclusive des enfants handicapés",
                      "es": "Educación inclusiva para niños con discapacidad"},
            "description": {"fr": "Des classes ordinaires accueillent tous les élèves."},
            "subjects": ["education"], "audio_language": "fr", "view_count": 10,
            "created_ts": 1_700_000_000,
            "transcripts": {
                "fr": cues(*FILLER_FR, "Chaque école adapte ses méthodes d'enseignement."),
                "es": cues(*FILLER_ES, "Cada escuela adapta sus métodos de enseñanza."),
            },
        },
        {
            "id": "zanzibar-pilot", "kind": "document", "visibility": "course",
            "courses": ["GOV-2023-B"], "year": 2023,
            "title": {"en": "Confidential evaluation of the Zanzibar seaweed pilot"},
            "description": {"en": "Internal review of seaweed farming cooperatives."},
            "subjects": ["evaluation"], "keywords": ["seaweed"], "audio_language": "en",
            "view_count": 999, "created_ts": 1_710_000_000,
        },
        {
            "id": "mangrove-restoration", "kind": "video", "visibility": "registered",
            "year": 2020, "title": {"en": "Mangrove restoration and coastal protection"},
            "description": {"en": "Planting mangroves protects shorelines from storm surges."},
            "subjects": ["natural-environment-conservation"], "audio_language": "en",
            "view_count": 5, "created_ts": 1_620_000_000,
            "transcripts": {"en": cues("Mangroves reduce the energy of storm surges.")},
        },
        {
            "id": "solid-waste-handbook", "kind": "document", "visibility": "public",
            "year": 2021,
            "title": {"en": "Community-based solid waste management handbook",
                      "es": "Manual de gestión comunitaria de residuos sólidos"},
            "description": {"en": "A practical guide for municipal officers on collection, "
                                  "recycling and landfill management."},
            "subjects": ["environmental-management"], "audio_language": "en",
            "view_count": 80, "created_ts": 1_630_000_000,
        },
        {
            "id": "urban-transport", "kind": "video", "visibility": "public", "year": 2017,
            "title": {"en": "Urban public transport planning",
                      "fr": "Planification des transports publics urbains",
                      "es": "Planificación del transporte público urbano"},
            "description": {"en": "Bus rapid transit, railways and land use in growing cities."},
            "subjects": ["transportation", "urban-regional"], "audio_language": "es",
            "view_count": 200, "created_ts": 1_550_000_000,
            "transcripts": {"es": cues(*FILLER_ES, "El metro conecta los barrios periféricos "
                                                   "con el centro.")},
        },
        {
            "id": "rural-electrification", "kind": "video", "visibility": "public", "year": 2015,
            "title": {"fr": "L'électricité pour les villages ruraux",
                      "en": "Electricity for rural villages"},
            "description": {"fr": "Mini-réseaux solaires et électrification rurale en Afrique."},
            "subjects": ["natural-resources-energy", "rural-development"],
            "audio_language": "fr", "view_count": 40, "created_ts": 1_450_000_000,
            "transcripts": {"fr": cues(*FILLER_FR, "L'électricité change la vie des écoles.")},
        },
    ]


@pytest.fixture
def make_cues():
    """``make_cues(*lines, step_ms=10_000)``: see `cues`."""
    return cues


@pytest.fixture
def corpus():
    """A fresh copy of the small test corpus (plain material dicts)."""
    return _corpus()


@pytest.fixture
def index_dir(tmp_path, corpus):
    """An index folder holding the corpus, last outbox id 1."""
    base = tmp_path / "index"
    Indexer(base).apply([_upsert(m) for m in corpus], last_outbox_id=1)
    return base


@pytest.fixture
def searcher(index_dir):
    with Searcher(index_dir, refresh_interval=0) as s:
        yield s


def _upsert(material):
    return Upsert(material)



@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory):
    """The corpus index shared by read-only tests (hypothesis needs a wider scope)."""
    base = tmp_path_factory.mktemp("shared") / "index"
    Indexer(base).apply([Upsert(m) for m in _corpus()], last_outbox_id=1)
    return base


@pytest.fixture(scope="session")
def shared_searcher(shared_index_dir):
    with Searcher(shared_index_dir, refresh_interval=0) as s:
        yield s
