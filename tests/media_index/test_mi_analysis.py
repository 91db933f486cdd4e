"""Analyzers: Snowball stemming per language, accents folded both ways, Japanese bigrams."""

import pytest

from media_index.analysis import analyze, fold, language_analyzer, word_analyzer


def terms(lang, text):
    return {term for _, term in analyze(language_analyzer(lang), text)}


def shares_term(lang, a, b):
    return bool(terms(lang, a) & terms(lang, b))


@pytest.mark.parametrize("lang, a, b", [
    ("en", "running", "run"),
    ("en", "fisheries", "fishery"),
    ("en", "management", "managing"),
    ("fr", "déchets", "déchet"),
    ("fr", "inclusives", "inclusive"),
    ("fr", "catastrophes", "catastrophe"),
    ("es", "residuos", "residuo"),
    ("es", "desastres", "desastre"),
    ("es", "pesquerías", "pesquería"),
])
def test_stemming_conflates_inflections(lang, a, b):
    assert shares_term(lang, a, b)


def test_english_is_snowball_not_porter():
    assert terms("en", "running") == {"run"}


@pytest.mark.parametrize("lang, accented, plain", [
    ("fr", "électricité", "electricite"),
    ("fr", "Électricité", "electricite"),
    ("fr", "déchets", "dechets"),
    ("fr", "pêche", "peche"),
    ("fr", "réduction", "reduction"),
    ("es", "educación", "educacion"),
    ("es", "gestión", "gestion"),
    ("es", "pesquería", "pesqueria"),
    ("es", "energía", "ENERGIA"),
])
def test_accents_fold_both_ways(lang, accented, plain):
    assert shares_term(lang, accented, plain)
    assert shares_term(lang, plain, accented)
    assert shares_term(lang, accented.upper(), plain)


def test_stopwords_per_language():
    assert terms("fr", "la gestion des déchets") == {"gestion", "dechet"}
    assert terms("es", "la gestión de los residuos") == {"gestion", "residu"}
    assert terms("en", "the management of the waste") == {"manag", "wast"}


def test_french_elision_dropped():
    assert terms("fr", "l'électricité d'énergie") == terms("fr", "électricité énergie")


def test_japanese_bigrams():
    assert [t for _, t in analyze(language_analyzer("ja"), "廃棄物管理")] == [
        "廃棄", "棄物", "物管", "管理"]
    assert [t for _, t in analyze(language_analyzer("ja"), "防災 JICA")] == ["防災", "jica"]
    assert [t for _, t in analyze(language_analyzer("ja"), "水")] == ["水"]


def test_japanese_char_offsets_cover_bigrams():
    tokens = [(t.text, t.startchar, t.endchar)
              for t in language_analyzer("ja")("研修です", chars=True)]
    assert tokens[0] == ("研修", 0, 2)


def test_word_analyzer_folds_without_stemming():
    assert [t for _, t in analyze(word_analyzer(), "Gestión des Déchets")] == [
        "gestion", "des", "dechets"]


def test_fold():
    assert fold("électricité à málaga") == "electricite a malaga"


SAMPLES = {
    "en": "The TSUNAMI warning reached every school; U.N. officials didn't wait. 2019's data",
    "fr": "La gestion des déchets et l'électricité à Kitakyushu : Électricité, electricite!",
    "es": "El año pasado, la gestión de residuos sólidos y la educación inclusiva en Perú.",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("options", [
    {}, {"positions": True, "chars": True}, {"positions": True, "removestops": False},
    {"positions": True, "start_pos": 5, "chars": True, "start_char": 7}, {"tokenize": False},
])
def test_fused_analyzer_equals_filter_chain(lang, options):
    from media_index.analysis import composed_language_analyzer

    def stream(analyzer):
        return [(t.text, t.stopped, getattr(t, "pos", None), getattr(t, "startchar", None),
                 getattr(t, "endchar", None)) for t in analyzer(SAMPLES[lang], **options)]

    assert stream(language_analyzer(lang)) == stream(composed_language_analyzer(lang))


def test_fused_analyzer_pickles():
    import pickle
    analyzer = pickle.loads(pickle.dumps(language_analyzer("fr")))
    assert analyze(analyzer, "électricité") == [(0, "electr"), (0, "electricit")]
