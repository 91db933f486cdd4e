"""PDF export of a plan version with fpdf2 (pure Python, no network fonts, no system libraries).

Text is set in a Unicode TrueType font found on the machine (DejaVu or Liberation, from Debian's
fonts-dejavu-core / fonts-liberation, or matplotlib's copy of DejaVu); ``PDF_FONT`` in the config
names another. Without any, the PDF core font Helvetica is used: it covers Latin-1 (é, ñ, ç, ü...)
and other characters are approximated, so the export never fails for want of a font.
"""
from __future__ import annotations

import importlib.util
import unicodedata
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date
from fpdf import FPDF

from ..i18n import country_name, format_day, gettext as _, localize
from .models import ACTIVITY_FIELDS, TEXT_SECTIONS, PlanVersion
from .services import activity_labels, section_labels

_SYSTEM_FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
     "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
)
_APPROXIMATE = str.maketrans({"œ": "oe", "Œ": "OE", "‘": "'", "’": "'", "“": '"', "”": '"',
                              "–": "-", "—": "-", "…": "...", "€": "EUR", "\u202f": " "})


@lru_cache(maxsize=4)
def find_font(configured: str | None = None) -> tuple[str, str] | None:
    """(regular, bold) paths of a Unicode TrueType font, or None."""
    candidates = list(_SYSTEM_FONTS)
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        ttf = Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf"
        candidates.append((str(ttf / "DejaVuSans.ttf"), str(ttf / "DejaVuSans-Bold.ttf")))
    if configured:
        candidates.insert(0, (configured, configured))
    for regular, bold in candidates:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular
    return None


class _Document(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font(self.body_font, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, self.clean(self.footer_text % {"page": self.page_no()}), align="C")

    body_font = "helvetica"
    unicode = False

    def clean(self, text: str) -> str:
        text = (text or "").replace("\r\n", "\n")
        if self.unicode:
            return text
        text = unicodedata.normalize("NFC", text).translate(_APPROXIMATE)
        return text.encode("latin-1", "replace").decode("latin-1")


def _new_document() -> _Document:
    pdf = _Document(format="A4")
    font = find_font(current_app.config.get("PDF_FONT"))
    if font:
        pdf.add_font("body", "", font[0])
        pdf.add_font("body", "B", font[1])
        pdf.body_font, pdf.unicode = "body", True
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    return pdf


def render(version: PlanVersion) -> bytes:
    """The version as a PDF, in the plan's language, naming participant, course and country."""
    plan = version.plan
    author, course = plan.author, plan.course
    lang = version.language
    with force_locale(lang):
        pdf = _new_document()
        pdf.footer_text = _("Action plan, version %(number)d", number=version.number) + \
            " · %(page)s"
        title = version.content.get("title") or _("Action plan")
        pdf.set_title(pdf.clean(title))
        pdf.set_author(pdf.clean(author.name))
        pdf.set_subject(pdf.clean(course.code))
        pdf.set_lang(lang)
        pdf.add_page()
        w = pdf.epw

        def heading(text, size=13):
            pdf.set_font(pdf.body_font, "B", size)
            pdf.multi_cell(w, size * 0.55, pdf.clean(text), new_x="LMARGIN", new_y="NEXT",
                           align="L")
            pdf.ln(1.5)

        def para(text, size=10.5, bold=False):
            pdf.set_font(pdf.body_font, "B" if bold else "", size)
            pdf.multi_cell(w, 5.2, pdf.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")

        pdf.set_text_color(11, 79, 138)
        para(_("Action plan"), 10, bold=True)
        pdf.set_text_color(0, 0, 0)
        heading(title, 17)
        course_title = localize(course.title, lang).text
        facts = [
            (_("Participant"), author.name),
            (_("Country"), country_name(author.country, lang) or "—"),
            (_("Organization"), author.organization or "—"),
            (_("Course"), "%s · %s" % (course.code, course_title)),
            (_("Version"), _("%(number)d, %(date)s", number=version.number,
                             date=format_date(version.created_at.date(), "long"))),
        ]
        for label, value in facts:
            para("%s: %s" % (label, value), 10)
        pdf.ln(4)
        labels, act_labels = section_labels(), activity_labels()
        for section in TEXT_SECTIONS:
            if section == "title":
                continue
            if section == "risks":
                _activities(pdf, version.content, labels, act_labels, heading, para)
            heading(labels[section], 13)
            para(version.content.get(section) or "—")
            pdf.ln(3)
        return bytes(pdf.output())


def _activities(pdf, content, labels, act_labels, heading, para) -> None:
    heading(labels["activities"], 13)
    for i, activity in enumerate(content.get("activities") or [], start=1):
        para(_("Activity %(number)d", number=i), 11, bold=True)
        for field in ACTIVITY_FIELDS:
            value = activity.get(field) or ""
            if field in ("start", "end"):
                value = format_day(value)
            para("%s: %s" % (act_labels[field], value or "—"), 10)
        pdf.ln(2)
    pdf.ln(1)
