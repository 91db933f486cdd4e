"""Upload purposes are declared once, in one table, whatever the import order."""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from pkgutil import resolve_name

import pytest

from portal.uploads import purposes
from portal.uploads.checks import UploadPolicy
from portal.uploads.purposes import Purpose, declare, get_purpose

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _table() -> list[tuple]:
    return sorted((p.name, p.download_rule, p.policy.max_size, sorted(p.policy.types),
                   sorted(p.roles)) for p in purposes.purposes())


def test_a_name_declared_twice_is_refused():
    policy = UploadPolicy(frozenset({"application/pdf"}), 10)
    one = Purpose("twice", "Twice", policy, frozenset())
    with pytest.raises(ValueError, match="declared twice"):
        declare(one, Purpose("twice", "Again", policy, frozenset(), "builtins:all"))


def test_every_download_rule_names_a_function(app):
    for purpose in purposes.purposes():
        assert callable(resolve_name(purpose.download_rule)), purpose.name


def test_the_table_is_the_same_whatever_was_imported_before(app):
    """Alone, before any domain is imported, the table is already complete and final."""
    alone = subprocess.run(
        [sys.executable, "-c", "import sys; from portal.uploads import purposes\n"
         "assert 'portal.library' not in sys.modules and 'portal.assignments' not in sys.modules\n"
         "print(sorted((p.name, p.download_rule, p.policy.max_size, sorted(p.policy.types),"
         " sorted(p.roles)) for p in purposes.purposes()))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert alone == str(_table())          # here every domain has been imported (the app)


def test_the_domains_purposes_are_declared(app):
    from portal.assignments.files import FEEDBACK_PURPOSE, MAX_SIZE_MB, SUBMISSION_PURPOSE
    from portal.catalogue.documents import PURPOSE
    from portal.library.services import LIBRARY_PURPOSE
    for name in (SUBMISSION_PURPOSE, FEEDBACK_PURPOSE, PURPOSE, LIBRARY_PURPOSE, "plan-evidence",
                 "material", "subtitle", "document"):
        assert get_purpose(name) is not None, name
    assert get_purpose(SUBMISSION_PURPOSE).policy.max_size == MAX_SIZE_MB * purposes.MiB
    assert get_purpose("material").download_rule == get_purpose(LIBRARY_PURPOSE).download_rule


def test_no_module_declares_or_replaces_a_purpose_elsewhere():
    found = [str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
             if re.search(r"\bPurpose\(|\bdeclare\(|register_purpose|replace\(_existing",
                          path.read_text(encoding="utf-8"))]
    assert found == ["portal/uploads/purposes.py"]
