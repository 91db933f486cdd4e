"""A readable difference between two versions of a plan, section by section (difflib).

Words removed are wrapped in <del>, words added in <ins>, each with hidden text markers for
screen readers and a visible style that does not rely on colour alone (see action_plans.css).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from ..i18n import gettext as _
from .models import ACTIVITY_FIELDS, TEXT_SECTIONS
from .services import activity_labels, section_labels

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class SectionDiff:
    key: str
    label: str
    changed: bool
    html: Markup


def _activities_text(content: dict) -> str:
    labels = activity_labels()
    blocks = []
    for i, a in enumerate(content.get("activities") or [], start=1):
        lines = [_("Activity %(number)d", number=i)]
        lines += ["%s: %s" % (labels[f], a.get(f) or "") for f in ACTIVITY_FIELDS]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _sections(content: dict) -> list[tuple[str, str]]:
    texts = [(s, content.get(s) or "") for s in TEXT_SECTIONS]
    texts.insert(4, ("activities", _activities_text(content)))
    return texts


def _marked(tag: str, text: str) -> str:
    start, end = ((_("[added:"), _("end added]")) if tag == "ins"
                  else (_("[removed:"), _("end removed]")))
    return ('<%s><span class="diff-marker">%s </span>%s<span class="diff-marker"> %s</span></%s>'
            % (tag, escape(start), escape(text), escape(end), tag))


def diff_text(old: str, new: str) -> Markup:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            out.append(_marked("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(_marked("ins", "".join(b[j1:j2])))
    return Markup("".join(out))


def diff_versions(old: dict, new: dict) -> list[SectionDiff]:
    labels = section_labels()
    result = []
    for (key, before), (_key, after) in zip(_sections(old), _sections(new), strict=True):
        result.append(SectionDiff(key, labels[key], before != after, diff_text(before, after)))
    return result
