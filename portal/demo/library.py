"""Demo library: a dozen materials on the program's topics, with tiny generated videos (an ffmpeg
test pattern and a tone) and subtitles in English, French and Spanish, loaded through the
manifest importer (so loading twice updates, never duplicates)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ..library.manifest import ImportReport, import_manifest
from ..library.processing import ffmpeg_exe

SECONDS = 8
CUE_S = 2

# id, subjects, year, audio, visibility, courses, titles (en, fr, es), descriptions (en, fr, es),
# four cues per language (en, fr, es), keywords
MATERIALS = [
    ("kitakyushu-waste-management", ["environmental-management"], 2018, "ja", "public", [],
     ("Waste management in Kitakyushu: from grey sky to green city",
      "La gestion des déchets à Kitakyushu : du ciel gris à la ville verte",
      "La gestión de residuos en Kitakyushu: del cielo gris a la ciudad verde"),
     ("How a city, its residents and its companies separated, recycled and reduced waste.",
      "Comment une ville, ses habitants et ses entreprises ont trié, recyclé et réduit leurs "
      "déchets.",
      "Cómo una ciudad, sus habitantes y sus empresas separaron, reciclaron y redujeron los "
      "residuos."),
     (["In the 1960s the sky over Kitakyushu was grey with smoke.",
       "Residents' associations asked the city to act on pollution.",
       "Waste separation at home made recycling possible.",
       "Today the city shares its waste management experience abroad."],
      ["Dans les années 1960, le ciel de Kitakyushu était gris de fumée.",
       "Les associations d'habitants ont demandé à la ville d'agir contre la pollution.",
       "Le tri des déchets à la maison a rendu le recyclage possible.",
       "Aujourd'hui, la ville partage son expérience de la gestion des déchets."],
      ["En los años sesenta el cielo de Kitakyushu era gris por el humo.",
       "Las asociaciones de vecinos pidieron a la ciudad actuar contra la contaminación.",
       "La separación de residuos en casa hizo posible el reciclaje.",
       "Hoy la ciudad comparte su experiencia en la gestión de residuos."]),
     ["recycling", "local government"]),
    ("hanshin-earthquake-reconstruction", ["disaster-risk-reduction", "urban-regional"], 2019,
     "ja", "public", [],
     ("Building back better after the Great Hanshin-Awaji Earthquake",
      "Reconstruire en mieux après le grand tremblement de terre de Hanshin-Awaji",
      "Reconstruir mejor tras el gran terremoto de Hanshin-Awaji"),
     ("Kobe's reconstruction and the role of neighbourhood associations.",
      "La reconstruction de Kobe et le rôle des associations de quartier.",
      "La reconstrucción de Kobe y el papel de las asociaciones vecinales."),
     (["On 17 January 1995 an earthquake struck Kobe at dawn.",
       "Neighbours rescued most of the people trapped under buildings.",
       "Evacuation drills are now held in every school.",
       "Reconstruction plans were drawn up with the residents."],
      ["Le 17 janvier 1995, un séisme a frappé Kobe à l'aube.",
       "Les voisins ont secouru la plupart des personnes prisonnières des bâtiments.",
       "Des exercices d'évacuation ont lieu dans chaque école.",
       "Les plans de reconstruction ont été élaborés avec les habitants."],
      ["El 17 de enero de 1995 un terremoto sacudió Kobe al amanecer.",
       "Los vecinos rescataron a la mayoría de las personas atrapadas.",
       "Hoy se realizan simulacros de evacuación en cada escuela.",
       "Los planes de reconstrucción se elaboraron con los residentes."]),
     ["earthquake", "evacuation"]),
    ("toyama-bay-fisheries", ["agriculture", "natural-resources-energy"], 2021, "ja", "public",
     ["FISH-FRA-2026"],
     ("Community-based fishery management in Toyama Bay",
      "La gestion communautaire des pêches dans la baie de Toyama",
      "Gestión pesquera comunitaria en la bahía de Toyama"),
     ("Fishers' cooperatives set their own rules to keep stocks healthy.",
      "Les coopératives de pêcheurs fixent leurs propres règles pour préserver les stocks.",
      "Las cooperativas de pescadores fijan sus propias reglas para cuidar las poblaciones."),
     (["Fixed nets have been used in Toyama Bay for four hundred years.",
       "The fishers' cooperative decides when each area is closed.",
       "Catches are recorded every day at the market.",
       "Young fishers learn the rules from their elders."],
      ["Les filets fixes sont utilisés dans la baie de Toyama depuis quatre siècles.",
       "La coopérative de pêcheurs décide quand chaque zone est fermée.",
       "Les prises sont enregistrées chaque jour au marché.",
       "Les jeunes pêcheurs apprennent les règles de leurs aînés."],
      ["Las redes fijas se usan en la bahía de Toyama desde hace cuatro siglos.",
       "La cooperativa de pescadores decide cuándo se cierra cada zona.",
       "Las capturas se registran cada día en el mercado.",
       "Los jóvenes pescadores aprenden las reglas de los mayores."]),
     ["cooperatives", "fish stocks"]),
    ("inclusive-education-classrooms", ["education"], 2020, "en", "public", [],
     ("Inclusive education: every child in the classroom",
      "Éducation inclusive : chaque enfant dans la classe",
      "Educación inclusiva: cada niño en el aula"),
     ("Teachers adapt lessons so that children with disabilities learn with their classmates.",
      "Les enseignants adaptent leurs cours pour que les enfants handicapés apprennent avec "
      "leurs camarades.",
      "Los docentes adaptan las clases para que los niños con discapacidad aprendan con sus "
      "compañeros."),
     (["Every child has the right to learn in a local school.",
       "Teachers plan lessons with a special needs coordinator.",
       "Simple changes to the classroom help children who cannot see well.",
       "Parents are partners in their child's education plan."],
      ["Chaque enfant a le droit d'apprendre dans l'école de son quartier.",
       "Les enseignants préparent les cours avec un coordinateur des besoins particuliers.",
       "De simples changements dans la classe aident les enfants malvoyants.",
       "Les parents sont associés au projet éducatif de leur enfant."],
      ["Cada niño tiene derecho a aprender en la escuela de su barrio.",
       "Los docentes preparan las clases con un coordinador de necesidades especiales.",
       "Cambios sencillos en el aula ayudan a los niños con baja visión.",
       "Los padres participan en el plan educativo de su hijo."]),
     ["disability", "teachers"]),
    ("one-village-one-product", ["rural-development", "private-sector"], 2016, "ja", "public", [],
     ("One Village One Product: community development in Oita",
      "Un village, un produit : le développement communautaire à Oita",
      "Un pueblo, un producto: desarrollo comunitario en Oita"),
     ("Villages chose a local product and built its market together.",
      "Les villages ont choisi un produit local et construit ensemble son marché.",
      "Los pueblos eligieron un producto local y construyeron juntos su mercado."),
     (["In 1979 the governor of Oita asked each village to choose a product.",
       "Residents decided together what they could make best.",
       "Shiitake mushrooms and citrus became famous brands.",
       "The movement spread to Thailand, Malawi and many other countries."],
      ["En 1979, le gouverneur d'Oita a demandé à chaque village de choisir un produit.",
       "Les habitants ont décidé ensemble ce qu'ils savaient faire de mieux.",
       "Les champignons shiitake et les agrumes sont devenus des marques célèbres.",
       "Le mouvement s'est étendu à la Thaïlande, au Malawi et à bien d'autres pays."],
      ["En 1979 el gobernador de Oita pidió a cada pueblo elegir un producto.",
       "Los residentes decidieron juntos qué sabían hacer mejor.",
       "Las setas shiitake y los cítricos se convirtieron en marcas famosas.",
       "El movimiento se extendió a Tailandia, Malaui y muchos otros países."]),
     ["OVOP", "local products"]),
    ("safe-water-supply-kitakyushu", ["water-resources"], 2017, "ja", "public", [],
     ("Safe water supply: reducing non-revenue water",
      "L'approvisionnement en eau potable : réduire les pertes d'eau",
      "Abastecimiento de agua potable: reducir el agua no facturada"),
     ("How water utilities find leaks and keep water safe to drink.",
      "Comment les services des eaux détectent les fuites et garantissent une eau potable.",
      "Cómo las empresas de agua detectan fugas y mantienen el agua apta para el consumo."),
     (["Leaks can waste a third of the water a city produces.",
       "Inspectors listen to the pipes at night to find leaks.",
       "Water meters are installed in every household.",
       "Chlorine levels are checked at the tap every day."],
      ["Les fuites peuvent gaspiller un tiers de l'eau produite par une ville.",
       "Les inspecteurs écoutent les canalisations la nuit pour trouver les fuites.",
       "Des compteurs d'eau sont installés dans chaque foyer.",
       "Le taux de chlore est contrôlé chaque jour au robinet."],
      ["Las fugas pueden desperdiciar un tercio del agua que produce una ciudad.",
       "Los inspectores escuchan las tuberías de noche para encontrar fugas.",
       "Se instalan medidores de agua en cada hogar.",
       "El nivel de cloro se controla cada día en el grifo."]),
     ["leaks", "water utility"]),
    ("maternal-child-health-handbook", ["health", "gender"], 2015, "ja", "public", [],
     ("The maternal and child health handbook",
      "Le carnet de santé de la mère et de l'enfant",
      "La libreta de salud materno-infantil"),
     ("One booklet follows mother and child from pregnancy to school age.",
      "Un seul carnet suit la mère et l'enfant de la grossesse à l'âge scolaire.",
      "Una sola libreta acompaña a la madre y al niño desde el embarazo hasta la edad escolar."),
     (["The handbook was first given to mothers in Japan in 1948.",
       "Midwives record each visit and every vaccination.",
       "Mothers keep the handbook at home and bring it to the clinic.",
       "Indonesia and Kenya adapted the handbook to their needs."],
      ["Le carnet a été remis pour la première fois aux mères japonaises en 1948.",
       "Les sages-femmes notent chaque visite et chaque vaccination.",
       "Les mères gardent le carnet à la maison et l'apportent au centre de santé.",
       "L'Indonésie et le Kenya ont adapté le carnet à leurs besoins."],
      ["La libreta se entregó por primera vez a las madres japonesas en 1948.",
       "Las parteras anotan cada visita y cada vacunación.",
       "Las madres guardan la libreta en casa y la llevan a la clínica.",
       "Indonesia y Kenia adaptaron la libreta a sus necesidades."]),
     ["vaccination", "midwives"]),
    ("kaizen-quality-productivity", ["private-sector", "economic-policy"], 2022, "en", "public",
     [],
     ("Kaizen: quality and productivity improvement",
      "Le kaizen : amélioration de la qualité et de la productivité",
      "Kaizen: mejora de la calidad y la productividad"),
     ("Small, continuous improvements made by the people who do the work.",
      "De petites améliorations continues, faites par ceux qui font le travail.",
      "Pequeñas mejoras continuas, hechas por quienes realizan el trabajo."),
     (["Kaizen means continuous improvement.",
       "Workers sort, set in order and shine their workplace.",
       "Quality circles meet every week to solve one problem.",
       "Ethiopian and Tunisian companies raised productivity with kaizen."],
      ["Kaizen signifie amélioration continue.",
       "Les ouvriers trient, rangent et nettoient leur poste de travail.",
       "Les cercles de qualité se réunissent chaque semaine pour résoudre un problème.",
       "Des entreprises éthiopiennes et tunisiennes ont accru leur productivité."],
      ["Kaizen significa mejora continua.",
       "Los trabajadores clasifican, ordenan y limpian su lugar de trabajo.",
       "Los círculos de calidad se reúnen cada semana para resolver un problema.",
       "Empresas de Etiopía y Túnez aumentaron su productividad con kaizen."]),
     ["5S", "quality circles"]),
    ("flood-early-warning", ["disaster-risk-reduction", "water-resources"], 2023, "en",
     "registered", [],
     ("Flood early warning with community radio",
      "L'alerte précoce aux inondations par la radio communautaire",
      "Alerta temprana de inundaciones con radio comunitaria"),
     ("River gauges, hazard maps and a radio message that reaches every household.",
      "Des échelles limnimétriques, des cartes des risques et un message radio qui atteint "
      "chaque foyer.",
      "Reglas limnimétricas, mapas de riesgo y un mensaje de radio que llega a cada hogar."),
     (["Hazard maps show which streets flood first.",
       "Volunteers read the river gauge every hour during the rainy season.",
       "The warning is broadcast on community radio in local languages.",
       "Evacuation shelters open before the water rises."],
      ["Les cartes des risques montrent quelles rues sont inondées en premier.",
       "Des bénévoles relèvent l'échelle du fleuve chaque heure pendant la saison des pluies.",
       "L'alerte est diffusée à la radio communautaire dans les langues locales.",
       "Les abris d'évacuation ouvrent avant la montée des eaux."],
      ["Los mapas de riesgo muestran qué calles se inundan primero.",
       "Voluntarios leen la regla del río cada hora durante la temporada de lluvias.",
       "La alerta se transmite por radio comunitaria en lenguas locales.",
       "Los albergues de evacuación abren antes de que suba el agua."]),
     ["hazard map", "community radio"]),
    ("local-government-decentralization", ["governance"], 2014, "en", "public", [],
     ("Decentralization and local government finance",
      "Décentralisation et finances des collectivités locales",
      "Descentralización y finanzas de los gobiernos locales"),
     ("How Japanese municipalities share taxes and plan their budgets.",
      "Comment les municipalités japonaises partagent l'impôt et planifient leur budget.",
      "Cómo los municipios japoneses comparten impuestos y planifican su presupuesto."),
     (["Municipalities deliver most public services in Japan.",
       "A local allocation tax balances rich and poor regions.",
       "Budgets are debated in public by the local assembly.",
       "Residents can audit how their municipality spends."],
      ["Les municipalités assurent la plupart des services publics au Japon.",
       "Une dotation locale équilibre les régions riches et pauvres.",
       "Le budget est débattu en public par l'assemblée locale.",
       "Les habitants peuvent contrôler les dépenses de leur municipalité."],
      ["Los municipios prestan la mayoría de los servicios públicos en Japón.",
       "Un impuesto de asignación local equilibra regiones ricas y pobres.",
       "El presupuesto se debate en público en la asamblea local.",
       "Los residentes pueden auditar el gasto de su municipio."]),
     ["budget", "municipalities"]),
    ("rice-irrigation-farmers", ["agriculture"], 2019, "en", "course", ["CBD-LOCAL-2026"],
     ("Irrigation managed by farmers' associations",
      "L'irrigation gérée par les associations d'agriculteurs",
      "Riego gestionado por asociaciones de agricultores"),
     ("Water user associations maintain canals and share water fairly.",
      "Les associations d'usagers de l'eau entretiennent les canaux et partagent l'eau.",
      "Las asociaciones de usuarios mantienen los canales y reparten el agua."),
     (["Farmers clean the canals together every spring.",
       "The association sets a rotation so every field gets water.",
       "Fees pay for the repair of gates and pumps.",
       "Rice yields rose when water arrived on time."],
      ["Les agriculteurs nettoient ensemble les canaux chaque printemps.",
       "L'association fixe un tour d'eau pour que chaque champ soit irrigué.",
       "Les redevances financent la réparation des vannes et des pompes.",
       "Les rendements de riz ont augmenté quand l'eau est arrivée à temps."],
      ["Los agricultores limpian juntos los canales cada primavera.",
       "La asociación fija turnos para que cada campo reciba agua.",
       "Las cuotas pagan la reparación de compuertas y bombas.",
       "La cosecha de arroz aumentó cuando el agua llegó a tiempo."]),
     ["water user association"]),
    ("urban-transport-planning", ["transportation", "urban-regional"], 2024, "en", "public", [],
     ("Urban transport planning around railway stations",
      "Planifier les transports urbains autour des gares",
      "Planificación del transporte urbano en torno a las estaciones"),
     ("Transit-oriented development in Japanese cities.",
      "L'urbanisme orienté vers les transports en commun dans les villes japonaises.",
      "Desarrollo orientado al transporte público en las ciudades japonesas."),
     (["Most commuters in Tokyo travel by train.",
       "Housing and shops are built within walking distance of stations.",
       "Buses connect the suburbs to the railway.",
       "Traffic surveys guide where new lines are built."],
      ["La plupart des navetteurs de Tokyo voyagent en train.",
       "Logements et commerces sont construits à distance de marche des gares.",
       "Des bus relient les banlieues au chemin de fer.",
       "Des enquêtes de circulation guident le tracé des nouvelles lignes."],
      ["La mayoría de los usuarios en Tokio viajan en tren.",
       "Las viviendas y tiendas se construyen cerca de las estaciones.",
       "Los autobuses conectan los suburbios con el ferrocarril.",
       "Las encuestas de tráfico orientan dónde construir nuevas líneas."]),
     ["railways", "transit"]),
]
LANGS = ("en", "fr", "es")


def _stamp(seconds: int) -> str:
    return "00:00:%02d.000" % seconds


def write_vtt(path: Path, lines: list[str]) -> None:
    out = ["WEBVTT", ""]
    for number, text in enumerate(lines):
        out += ["%s --> %s" % (_stamp(number * CUE_S), _stamp((number + 1) * CUE_S)), text, ""]
    path.write_text("\n".join(out), encoding="utf-8")


def make_video(path: Path, seconds: int = SECONDS, size: str = "320x180",
               frequency: int = 440) -> None:
    """A tiny MP4: ffmpeg's test pattern and a tone (bit-exact, so reloading changes nothing)."""
    subprocess.run([
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc=size=%s:rate=10:duration=%d" % (size, seconds),
        "-f", "lavfi", "-i", "sine=frequency=%d:duration=%d" % (frequency, seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-b:a", "32k", "-shortest", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact", "-map_metadata", "-1", "-movflags", "+faststart", str(path)],
        check=True, capture_output=True, timeout=120)


def write_folder(folder: Path) -> Path:
    """The demo catalogue as a manifest folder; returns the manifest's path."""
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "subs").mkdir(exist_ok=True)
    items = []
    for number, (slug, subjects, year, audio, visibility, courses, titles, descriptions, cues,
                 keywords) in enumerate(MATERIALS):
        video = folder / "media" / ("%s.mp4" % slug)
        if not video.exists():  # generated once per instance folder
            make_video(video, frequency=330 + 40 * number)
        subtitles = {}
        for lang, lines in zip(LANGS, cues, strict=True):
            write_vtt(folder / "subs" / ("%s.%s.vtt" % (slug, lang)), lines)
            subtitles[lang] = "subs/%s.%s.vtt" % (slug, lang)
        items.append({"id": slug, "kind": "video",
                      "title": dict(zip(LANGS, titles, strict=True)),
                      "description": dict(zip(LANGS, descriptions, strict=True)),
                      "subjects": subjects,
                      "year": year, "audio_language": audio, "visibility": visibility,
                      "courses": courses, "keywords": keywords,
                      "file": "media/%s.mp4" % slug, "subtitles": subtitles})
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"materials": items}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
    return manifest


def load(user_id: int | None = None) -> ImportReport:
    """Generate the demo media (once, in the instance folder) and import them. Each material
    commits on its own, so what the caller prepared is committed first."""
    from flask import current_app

    from .. import jobs
    jobs.commit()
    folder = Path(current_app.instance_path) / "demo-library"
    return import_manifest(write_folder(folder), user_id=user_id)
