"""The line of facts under a result card's title (``library.search.CardFacts``), written once
per page of cards: each fact on its line, in the reader's language, escaped."""
from __future__ import annotations

from types import SimpleNamespace

from flask import session
from markupsafe import Markup

from portal.library.search import CardFacts
from portal.library.services import Card


def _card(**fields) -> Card:
    values = dict(slug="x", kind="video", title={"en": "X"}, year=None, duration_s=None,
                  audio_language=None, visibility="public", allow_download=True, view_count=0,
                  subtitles=(), is_audio=False, coming_soon=False)
    values.update(fields)
    return Card(**values)


def _track(lang: str, automatic: bool = False):
    return SimpleNamespace(lang=lang, automatic=automatic)


def test_every_fact_in_french(app):
    with app.test_request_context():
        session["lang"] = "fr"
        facts = CardFacts()
        line = facts(_card(year=2019, duration_s=3725, audio_language="ja",
                           subtitles=(_track("en"), _track("fr", automatic=True)),
                           coming_soon=True, visibility="registered"))
        assert isinstance(line, Markup)
        assert line == ("    Vidéo\n     · 2019\n     · 1:02:05\n     · japonais\n"
                        "     · Sous-titres : en, fr (automatique)\n"
                        '     · <span class="badge">Bientôt disponible</span>\n'
                        '     · <span class="badge">Utilisateurs inscrits</span>\n')
        # The same writer for the next card of the page: nothing carried over.
        assert facts(_card(kind="document", visibility="course")) == (
            '    Document\n    \n    \n    \n    \n    \n'
            '     · <span class="badge">Membres des cours</span>\n')


def test_an_audio_recording_and_a_code_with_markup_in_english(app):
    with app.test_request_context():
        session["lang"] = "en"
        line = CardFacts()(_card(is_audio=True, duration_s=59,
                                 subtitles=(_track("<b>"), _track("es", automatic=True))))
        assert line == ("    Audio\n    \n     · 0:59\n    \n"
                        "     · Subtitles: &lt;b&gt;, es (automatic)\n    \n    \n")
