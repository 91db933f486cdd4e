"""Issue 8.8 (static part): bandit and ruff's security rules (S) over portal/ and media_index/.
No finding of high severity; every other finding is listed below with the reason it is safe.
A new finding fails this test: fix it, or explain it here (and in docs/SECURITY.md)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# (file, rule) -> why it is safe
EXPLAINED = {
    ("portal/home/panels.py", "B704"): "dashboard panels: HTML from our own autoescaped "
                                        "templates, marked safe to nest them",
    ("portal/markdown.py", "B704"): "the one Markdown (participants' work, feedback, staff "
                                    "messages): rendered then cleaned by nh3 with an allow-list "
                                    "of tags and http/https/mailto URLs (tests/security XSS "
                                    "tests)",
    ("portal/protect/web.py", "B704"): "protect_form(): attribute names are our constants, every "
                                       "value is escape()d",
    ("portal/action_plans/diff.py", "B704"): "every token is escape()d before <ins>/<del>",
    ("portal/i18n.py", "B704"): "content(): Markup %-interpolation escapes the stored text; "
                                "the tag name comes from our own templates",
    ("portal/library/processing.py", "B603"): "ffmpeg with an argument list (no shell); paths "
                                               "are server-made storage keys",
    ("portal/library/previews.py", "B603"): "this same interpreter rendering a preview in a "
    "child process with limits (argument list, no shell; paths are temporary files we made)",
    ("portal/library/routes.py", "B704"): "the search page's content, rendered by our own "
    "autoescaped templates and kept as a string (ResultsCache)",
    ("portal/demo/library.py", "B603"): "ffmpeg generating the demo media (argument list)",
    ("portal/cli.py", "B603"): "pybabel/msgfmt for `flask translations` (argument list)",
    ("portal/library/processing.py", "B404"): "see B603",
    ("portal/demo/library.py", "B404"): "see B603",
    ("portal/library/previews.py", "B404"): "see B603",
    ("portal/cli.py", "B404"): "see B603",
    ("portal/library/document_text.py", "B603"): "this same interpreter reading a document's "
    "text in a child process under CPU and memory limits (argument list, no shell)",
    ("portal/library/document_text.py", "B404"): "see B603",
    ("portal/storage/testing.py", "B105"): "moto's fixed test credentials, test helper only",
    ("portal/auth/two_step.py", "B704"): "the two-step setup QR code: SVG that segno draws "
    "from the setup URI (the URI becomes path data, never markup)",
    ("portal/demo/__init__.py", "B105"): "the documented demo password and the demo staff's "
                                          "two-step key (seed-demo, never production "
                                          "accounts); DEMO_PASSWORD overrides the password",
    ("media_index/postings.py", "B301"): "the headers of the search index's posting blocks, "
    "which Whoosh pickled when the indexer wrote them and unpickles itself when it reads "
    "them (the same bytes, read without its file calls); never anything a user sent",
    ("media_index/postings.py", "B403"): "see B301",
}
RUFF_TO_BANDIT = {"S704": "B704", "S603": "B603", "S404": "B404", "S105": "B105",
                  "S301": "B301"}


def _tool(name):
    path = BIN / name
    if not path.exists() and not shutil.which(name):
        pytest.skip("%s is not installed (pip install -e '.[test]')" % name)
    return str(path if path.exists() else shutil.which(name))


def test_bandit_finds_nothing_high_and_nothing_unexplained():
    out = subprocess.run([_tool("bandit"), "-q", "-r", "portal", "media_index", "-f", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    results = json.loads(out.stdout)["results"]
    high = [r for r in results if r["issue_severity"] == "HIGH"]
    assert not high, [(r["filename"], r["line_number"], r["test_id"]) for r in high]
    unexplained = sorted({(r["filename"], r["test_id"]) for r in results} - set(EXPLAINED))
    assert not unexplained, unexplained


def test_ruff_security_rules_find_nothing_unexplained():
    out = subprocess.run([_tool("ruff"), "check", "--no-cache", "--select", "S",
                          "--output-format", "json", "--exit-zero", "portal", "media_index"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    found = {(str(Path(r["filename"]).relative_to(ROOT)), RUFF_TO_BANDIT.get(r["code"], r["code"]))
             for r in json.loads(out.stdout)}
    unexplained = sorted(found - set(EXPLAINED))
    assert not unexplained, unexplained
