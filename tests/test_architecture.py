"""The import graph of the application code has no cycles, and lower layers never reach up.

The graph is read from the source (``ast``), every import counted, those inside functions too:
an import moved into a function hides a cycle from Python's start-up but not from a reader.
Relationship names in SQLAlchemy models are strings, not imports, and do not count.
"""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("portal", "media_index")
# Modules that hold rules or data; they serve the web layer and never import it.
LOWER = ("models", "services", "portal.dates", "portal.access", "portal.jobs", "portal.mail")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # `from . import jobs` imports the module portal.jobs
                sub = "%s.%s" % (base, alias.name)
                targets.add(sub if sub in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def test_the_graph_is_read_with_imports_inside_functions():
    graph = import_graph()
    assert "portal.library.routes" in graph["portal.library"]  # imported in init_app
    assert "portal.library.indexing" in graph["portal.health"]  # inside check_index_lag
    assert "portal.jobs" in graph["portal.mail"]  # `from . import jobs`: the module, not portal


def test_no_import_cycles():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        raise AssertionError("import cycle: %s" % " -> ".join(error.args[1])) from None


def test_lower_layers_import_neither_routes_nor_the_app():
    reaching_up = sorted(
        (name, target) for name, targets in import_graph().items()
        if name.endswith(LOWER) or name in LOWER
        for target in targets
        if target == "portal.app" or target.rpartition(".")[2].startswith("routes"))
    assert reaching_up == []


def test_only_entry_points_import_the_application_factory():
    importers = sorted(name for name, targets in import_graph().items() if "portal.app" in targets)
    assert importers == []  # wsgi.py, tests and bench import it; nothing inside the portal


def test_media_index_stands_below_the_portal():
    """media_index holds the index's vocabulary (a material's kinds and visibilities) once; the
    portal takes it from there, and media_index never reaches up into the portal."""
    from media_index import schema
    from portal.library import models
    reaching_up = sorted((name, target) for name, targets in import_graph().items()
                         if name.startswith("media_index") for target in targets
                         if target.startswith("portal"))
    assert reaching_up == []
    assert models.MaterialKind is schema.MaterialKind
    assert models.Visibility is schema.Visibility


def test_storage_stands_below_the_domains():
    """Storage only stores: it knows no upload, purpose or owner. Nothing it imports, directly or
    through another module, lies in a domain package (portal.uploads, portal.library, ...) or is
    the app; the uploads' records, policy and sweep live in portal.uploads, above it."""
    graph = import_graph()
    domains = {path.name for path in (ROOT / "portal").iterdir()
               if (path / "__init__.py").exists() and path.name != "storage"}
    reached, todo = set(), [name for name in graph if name.startswith("portal.storage")]
    while todo:
        for target in graph[todo.pop()] - reached:
            reached.add(target)
            todo.append(target)
    reaching_up = sorted(target for target in reached if target == "portal.app"
                         or target.startswith(tuple("portal.%s." % d for d in domains))
                         or target in {"portal.%s" % d for d in domains})
    assert "portal.config" in reached  # the settings it reads: the graph is the one we mean
    assert "uploads" in domains and "portal.storage" in graph["portal.uploads.sweep"]
    assert reaching_up == []


def _names_taken_from_flask(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "flask":
            names.add(node.attr)
    return names


def test_services_take_data_never_the_request():
    """A domain's services are called by routes, jobs and commands alike: what they need comes
    in as arguments, never read from Flask's request (the web layer reads it and passes it)."""
    reading = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("services.py")
                     if "request" in _names_taken_from_flask(path))
    assert reading == []
    assert (ROOT / "portal" / "uploads" / "services.py").exists()  # the rule has modules to check


def test_sentences_are_translated_by_the_houses_gettext_alone():
    """Python code translates with ``portal.i18n``'s ``gettext``, ``ngettext`` and
    ``lazy_gettext``, which write the numbers in a sentence by the reader's locale
    (``i18n.Quantity``); Flask-Babel's own would write "1234" where a French reader reads
    "1 234"."""
    words = {"gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext", "npgettext"}
    taking = sorted(
        "%s: %s" % (path.relative_to(ROOT), alias.name)
        for package in PACKAGES for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "portal" / "i18n.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
        for alias in node.names if alias.name in words)
    assert taking == []
