"""Benchmark of the library search engine (media_index), without the web layer.

Generates N synthetic materials (deterministic from --seed) with 20-minute
transcripts in two or three of en/fr/es, then reports:

- full rebuild time through `rebuild` (a new one-segment generation + swap),
  and the index size on disk;
- search latency p50/p95/max through `Searcher.search` for a varied mix of
  queries (anonymous and signed-in readers, three languages, phrases, typos,
  filters, sorts, browse pages, hostile input) and `Searcher.suggest_titles`;
- the incremental indexing rate (materials/s): 200 materials re-indexed
  through `Indexer.apply` in commits of 10, as outbox syncs would;
- search latency again on the resulting multi-segment index.

Wall times include waiting for the CPU when other processes run; CPU times
are this process's own.

    .venv/bin/python bench/search.py [--sizes 1000,5000] [--queries 400] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media_index.indexer import Indexer, Upsert, rebuild, status
from media_index.searcher import Searcher
from media_index.spelling import Speller

TRANSCRIPT_MS = 20 * 60 * 1000
CUE_MS = 4000
BATCH = 10  # materials per incremental commit, as a sync after a few edits
UPDATES = 200  # materials re-indexed incrementally after the rebuild

# Per subject: domain words in en, fr, es (single words keep stemming honest).
SUBJECTS = {
    "governance": ("governance decentralization accountability ministry municipality budget",
                   "gouvernance décentralisation responsabilité ministère municipalité budget",
                   "gobernanza descentralización rendición ministerio municipio presupuesto"),
    "gender": ("gender equality women empowerment leadership violence",
               "genre égalité femmes autonomisation leadership violence",
               "género igualdad mujeres empoderamiento liderazgo violencia"),
    "peacebuilding": ("peacebuilding reconciliation conflict refugees reintegration dialogue",
                      "consolidation réconciliation conflit réfugiés réintégration dialogue",
                      "paz reconciliación conflicto refugiados reintegración diálogo"),
    "ict": ("digital broadband software data connectivity cybersecurity",
            "numérique haut-débit logiciel données connectivité cybersécurité",
            "digital banda software datos conectividad ciberseguridad"),
    "evaluation": ("evaluation indicators baseline monitoring impact survey",
                   "évaluation indicateurs référence suivi impact enquête",
                   "evaluación indicadores línea seguimiento impacto encuesta"),
    "education": ("education teachers curriculum inclusive literacy classrooms",
                  "éducation enseignants programme inclusive alphabétisation classes",
                  "educación docentes currículo inclusiva alfabetización aulas"),
    "health": ("health hospitals vaccination nutrition maternal clinics",
               "santé hôpitaux vaccination nutrition maternelle cliniques",
               "salud hospitales vacunación nutrición materna clínicas"),
    "social-security": ("pensions insurance welfare disability ageing protection",
                        "retraites assurance solidarité handicap vieillissement protection",
                        "pensiones seguro bienestar discapacidad envejecimiento protección"),
    "economic-policy": ("inflation taxation fiscal monetary statistics growth",
                        "inflation fiscalité budgétaire monétaire statistiques croissance",
                        "inflación tributación fiscal monetaria estadísticas crecimiento"),
    "private-sector": ("enterprises kaizen productivity investment exports entrepreneurs",
                       "entreprises kaizen productivité investissement exportations entrepreneurs",
                       "empresas kaizen productividad inversión exportaciones emprendedores"),
    "agriculture": ("rice irrigation farmers harvest seeds extension",
                    "riz irrigation agriculteurs récolte semences vulgarisation",
                    "arroz riego agricultores cosecha semillas extensión"),
    "rural-development": ("villages cooperatives livelihoods markets roads electrification",
                          "villages coopératives moyens marchés routes électrification",
                          "aldeas cooperativas medios mercados caminos electrificación"),
    "transportation": ("railways buses traffic ports logistics highways",
                       "chemins bus circulation ports logistique autoroutes",
                       "ferrocarriles autobuses tráfico puertos logística autopistas"),
    "urban-regional": ("urban planning housing zoning cities reconstruction",
                       "urbanisme planification logement zonage villes reconstruction",
                       "urbanismo planificación vivienda zonificación ciudades reconstrucción"),
    "natural-resources-energy": ("energy electricity solar geothermal mining efficiency",
                                 "énergie électricité solaire géothermie mines efficacité",
                                 "energía electricidad solar geotermia minería eficiencia"),
    "environmental-management": (
        "waste recycling pollution landfill emissions sewage",
        "déchets recyclage pollution décharge émissions assainissement",
        "residuos reciclaje contaminación vertedero emisiones saneamiento"),
    "natural-environment-conservation": ("forests biodiversity mangroves wildlife parks coral",
                                         "forêts biodiversité mangroves faune parcs corail",
                                         "bosques biodiversidad manglares fauna parques coral"),
    "water-resources": ("water supply rivers groundwater drainage flood",
                        "eau approvisionnement rivières nappes drainage inondation",
                        "agua abastecimiento ríos acuíferos drenaje inundación"),
    "disaster-risk-reduction": ("disaster earthquake tsunami evacuation resilience warning",
                                "catastrophe séisme tsunami évacuation résilience alerte",
                                "desastre terremoto tsunami evacuación resiliencia alerta"),
}
LANG_INDEX = {"en": 0, "fr": 1, "es": 2}
PLACES = ("Kitakyushu Yokohama Kobe Sendai Okinawa Hokkaido Hiroshima Osaka Dakar Nairobi "
          "Lima Bogota Manila Jakarta Hanoi Accra Kampala Lusaka Tegucigalpa Asuncion Quito "
          "Dhaka Kathmandu Colombo Tunis Rabat Amman Tbilisi Almaty Ulaanbaatar Suva Apia").split()
GENERAL = {
    "en": ("people community project local national officials experience results training "
           "participants plan system process support model method practice policy change "
           "meeting report question answer example country region program approach problem "
           "solution year month staff level service quality cost network team lesson").split(),
    "fr": ("personnes communauté projet local national responsables expérience résultats "
           "formation participants plan système processus soutien modèle méthode pratique "
           "politique changement réunion rapport question réponse exemple pays région "
           "programme approche problème solution année mois équipe niveau service qualité "
           "coût réseau leçon").split(),
    "es": ("personas comunidad proyecto local nacional funcionarios experiencia resultados "
           "capacitación participantes plan sistema proceso apoyo modelo método práctica "
           "política cambio reunión informe pregunta respuesta ejemplo país región programa "
           "enfoque problema solución año mes equipo nivel servicio calidad costo red "
           "lección").split(),
}
TEMPLATES = {
    "en": ["In {place} the {g1} of {t1} improved after the {g2} started.",
           "We worked with the {g1} on {t1} and {t2} for {n} years.",
           "The {g1} shared the {g2} about {t1} with officials from {place}.",
           "Let us look at how {t1} changed the {g1} in {place}.",
           "This {g1} shows that {t1} needs a good {g2} and {t2}."],
    "fr": ["À {place} le {g1} de {t1} s'est amélioré après le {g2}.",
           "Nous avons travaillé avec la {g1} sur {t1} et {t2} pendant {n} ans.",
           "Le {g1} a partagé le {g2} sur {t1} avec les responsables de {place}.",
           "Regardons comment {t1} a changé le {g1} à {place}.",
           "Ce {g1} montre que {t1} demande un bon {g2} et {t2}."],
    "es": ["En {place} el {g1} de {t1} mejoró después del {g2}.",
           "Trabajamos con la {g1} en {t1} y {t2} durante {n} años.",
           "El {g1} compartió el {g2} sobre {t1} con funcionarios de {place}.",
           "Veamos cómo {t1} cambió el {g1} en {place}.",
           "Este {g1} muestra que {t1} necesita un buen {g2} y {t2}."],
}
TITLES = {
    "en": "{T1} and {t2} in {place}", "fr": "{T1} et {t2} à {place}",
    "es": "{T1} y {t2} en {place}",
}
JA_TITLES = ["防災教育", "廃棄物管理", "地方自治", "水資源管理", "産業振興", "母子保健"]
COURSES = [f"C{n:03d}" for n in range(60)]


def subject_words(subject: str, lang: str) -> list[str]:
    return SUBJECTS[subject][LANG_INDEX[lang]].split()


def make_material(seed: int, number: int) -> dict:
    """One synthetic material; the same (seed, number) always gives the same dict."""
    rng = random.Random(seed * 1_000_003 + number)
    subjects = rng.sample(sorted(SUBJECTS), rng.choice((1, 1, 2)))
    langs = rng.sample(["en", "fr", "es"], rng.choice((2, 2, 3)))
    place = rng.choice(PLACES)
    visibility = rng.choices(["public", "registered", "course"], weights=(70, 20, 10))[0]
    titles, descriptions, transcripts = {}, {}, {}
    for lang in langs:
        words = subject_words(subjects[0], lang)
        t1, t2 = rng.sample(words, 2)
        titles[lang] = TITLES[lang].format(T1=t1.capitalize(), t2=t2, place=place)
        descriptions[lang] = " ".join(_sentence(rng, lang, subjects, place) for _ in range(3))
        transcripts[lang] = _transcript(rng, lang, subjects, place)
    if rng.random() < 0.2:
        titles["ja"] = rng.choice(JA_TITLES)
    return {
        "id": f"m{number:05d}", "kind": rng.choices(["video", "document"], weights=(9, 1))[0],
        "title": titles, "description": descriptions, "subjects": subjects,
        "keywords": rng.sample(subject_words(subjects[0], "en"), 2),
        "year": rng.randint(1995, 2024), "audio_language": rng.choice(["ja", "en", "fr", "es"]),
        "visibility": visibility,
        "courses": rng.sample(COURSES, 2) if visibility == "course" else [],
        "view_count": int(rng.paretovariate(1.2) * 10), "created_ts": 1_300_000_000 + number * 3600,
        "transcripts": transcripts,
    }


def _sentence(rng: random.Random, lang: str, subjects: list[str], place: str) -> str:
    topic = subject_words(rng.choice(subjects), lang)
    general = GENERAL[lang]
    return rng.choice(TEMPLATES[lang]).format(
        place=place if rng.random() < 0.5 else rng.choice(PLACES),
        t1=rng.choice(topic), t2=rng.choice(topic if rng.random() < 0.7 else general),
        g1=rng.choice(general), g2=rng.choice(general), n=rng.randint(2, 30))


def _transcript(rng, lang, subjects, place) -> list[tuple[int, int, str]]:
    cues = []
    for start in range(0, TRANSCRIPT_MS, CUE_MS):
        text = _sentence(rng, lang, subjects, place)
        cues.append((start, start + CUE_MS - 200, text))
    return cues


def materials(seed: int, count: int):
    return (make_material(seed, n) for n in range(count))


READERS = [None, {"public": True, "registered": True, "courses": ["C001", "C017"]}]
PREFIXES = [("wa", "en"), ("gestion des d", "fr"), ("recons", "en"), ("agua y", "es"),
            ("kit", "en"), ("ri", "es"), ("éner", "fr"), ("dis", "en")]


def _phrase(rng, text, words, lang):
    first, second = rng.sample(words, 2)  # titles read "<First> and <second> in <place>"
    return f'"{first} {TITLES[lang].split()[1]} {second}"'


def _typo(rng, text, words, lang):
    cut = rng.randrange(1, max(2, len(text) - 1))
    return text[:cut] + text[cut + 1:]


# How each kind of query makes its text from a topic word (or leaves it).
QUERY_TEXT = {
    "topic": lambda rng, text, words, lang: text,
    "two topics": lambda rng, text, words, lang: " ".join(rng.sample(words, 2)),
    "common+topic": lambda rng, text, words, lang: f"{rng.choice(GENERAL[lang])} {text}",
    "place+topic": lambda rng, text, words, lang: f"{rng.choice(PLACES)} {text}",
    "phrase": _phrase,
    "typo": _typo,
    "no match": lambda rng, text, words, lang: "".join(rng.choice("bcdfghjklmnpqrstvwxz")
                                                       for _ in range(8)),
    "hostile": lambda rng, text, words, lang: (
        f'title_en:{text} "unbalanced * visibility:course {"x" * rng.randint(0, 1500)}'),
}


def _search_options(label, rng, lang) -> dict:
    """Filters, order or page of the kinds of query that keep the topic word as it is."""
    if label == "filtered":
        return {"filters": rng.choice([
            {"subject": rng.choice(sorted(SUBJECTS))}, {"year_from": 2010, "year_to": 2020},
            {"kind": "video", "subtitle_language": lang}])}
    if label == "sorted":
        return {"sort": rng.choice(["newest", "views"])}
    if label == "browse":
        return dict(sort=rng.choice(["newest", "views"]),
                    filters=rng.choice([{}, {"subject": rng.choice(sorted(SUBJECTS))}]))
    return {"page": rng.choice([2, 3])}   # page 2-3


def query_mix(seed: int, count: int):
    """``count`` varied searches as (label, text, lang, kwargs), deterministic from ``seed``.

    Mostly distinct queries, so per-term caches help only as much as real
    traffic would let them.
    """
    rng = random.Random(seed)
    kinds = ["topic", "topic", "topic", "two topics", "common+topic", "place+topic", "phrase",
             "typo", "no match", "filtered", "sorted", "browse", "page 2-3", "hostile"]
    for _ in range(count):
        label = rng.choice(kinds)
        lang = rng.choice(["en", "fr", "es"])
        words = subject_words(rng.choice(sorted(SUBJECTS)), lang)
        extra: dict = {"allowed": rng.choice(READERS)}
        text = rng.choice(words)
        if label in QUERY_TEXT:
            text = QUERY_TEXT[label](rng, text, words, lang)
        else:
            extra.update(_search_options(label, rng, lang))
            text = "" if label == "browse" else text
        yield label, text, lang, extra


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_searches(base: Path, rounds: int, seed: int) -> dict:
    searcher = Searcher(base, refresh_interval=1.0)
    for _label, text, lang, extra in query_mix(seed + 1, 30):  # a worker that has served a few
        searcher.search(text, lang=lang, **extra)
    timings: dict[str, list[tuple[float, float]]] = {"all": []}
    for label, text, lang, extra in query_mix(seed, rounds):
        # As the web layer asks: a query that finds nothing is answered by its respelling.
        elapsed = _timed(searcher.search, text, lang=lang, correct=True, **extra)
        timings.setdefault(label, []).append(elapsed)
        timings["all"].append(elapsed)
    rng = random.Random(seed)
    timings["type-ahead"] = [
        _timed(searcher.suggest_titles, prefix, lang=lang, allowed=rng.choice(READERS))
        for prefix, lang in (rng.choice(PREFIXES) for _ in range(max(60, rounds // 4)))]
    view = searcher._current()
    wall, cpu = time.perf_counter(), time.thread_time()
    speller = Speller(view.searcher.reader())
    timings["speller build"] = [((time.perf_counter() - wall) * 1000,
                                 (time.thread_time() - cpu) * 1000)]
    print(f"spelling vocabulary: {speller.size()} words")
    searcher.close()
    return timings


def _timed(function, *args, **kwargs) -> tuple[float, float]:
    """(wall ms, CPU ms): on a shared machine CPU time shows the cost alone."""
    wall, cpu = time.perf_counter(), time.thread_time()
    function(*args, **kwargs)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def run(size: int, seed: int, rounds: int, workdir: Path, reuse: bool = False) -> dict:
    """Rebuild ``size`` materials, time searches, apply updates as syncs
    would, time searches again."""
    base = workdir / f"index-{size}"
    if reuse and base.is_dir() and status(base).materials == size:
        return {"size": size, "status": status(base), "latency": time_searches(base, rounds, seed)}
    cpu, started = time.process_time(), time.perf_counter()
    st = rebuild(base, materials(seed, size), last_outbox_id=0)
    rebuilt = time.perf_counter() - started, time.process_time() - cpu
    latency = time_searches(base, rounds, seed)
    updates = min(UPDATES, size)
    rng = random.Random(seed)
    numbers = rng.sample(range(size), updates)
    indexer = Indexer(base)
    cpu, started = time.process_time(), time.perf_counter()
    for first in range(0, updates, BATCH):
        changed = [Upsert(dict(make_material(seed + 1, n), id=f"m{n:05d}"))
                   for n in numbers[first:first + BATCH]]
        indexer.apply(changed, last_outbox_id=first + len(changed))
    incremental = time.perf_counter() - started, time.process_time() - cpu
    after = time_searches(base, rounds, seed), status(base).segments
    return {"size": size, "rebuild_s": rebuilt, "status": st, "latency": latency,
            "updates": updates, "incremental_s": incremental, "after": after}


def report(result: dict) -> None:
    st, size = result["status"], result["size"]
    print(f"\n## {size} materials ({st.windows} transcript windows)")
    if "rebuild_s" in result:
        (reb_wall, reb_cpu), (inc_wall, inc_cpu) = result["rebuild_s"], result["incremental_s"]
        updates = result["updates"]
        print(f"full rebuild: {reb_wall:.0f} s wall, {reb_cpu:.0f} s CPU "
              f"({size / reb_wall:.1f} materials/s, {size / reb_cpu:.1f} per CPU second)")
        print(f"incremental: {updates} materials re-indexed in commits of {BATCH}: "
              f"{inc_wall:.0f} s wall, {inc_cpu:.0f} s CPU "
              f"({updates / inc_wall:.1f} materials/s, {updates / inc_cpu:.1f} per CPU second)")
    print(f"index size: {st.size_bytes / 2**20:.0f} MiB")
    print("\nsearch after the rebuild (1 segment):")
    latency_table(result["latency"])
    if "after" in result:
        latency, segment_count = result["after"]
        print(f"\nsearch after the incremental commits ({segment_count} segments):")
        latency_table({"all": latency["all"], "type-ahead": latency["type-ahead"]})


def latency_table(latency: dict) -> None:
    print(f"{'latency (ms)':<16}{'n':>5}{'wall p50':>10}{'p95':>7}{'max':>7}"
          f"{'CPU p50':>10}{'p95':>7}{'max':>7}")
    for label, values in latency.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"{label:<16}{len(values):>5}" + "".join(
            f"{statistics.median(v):>10.1f}{percentile(v, 0.95):>7.1f}{max(v):>7.1f}"
            for v in (walls, cpus)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="build indexes in DIR and keep them")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: time searches on indexes already built in DIR")
    args = parser.parse_args(argv)
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
          "(other processes inflate wall times; CPU times are this process's own)")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            report(run(size, args.seed, args.queries, workdir, args.reuse and bool(args.keep)))
    finally:
        print(f"\nload average {os.getloadavg()[0]:.1f} at end")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
