"""Where the index lives on disk, and the atomic swap used by rebuilds.

``base_dir/CURRENT`` names the generation folder readers and writers use
(``base_dir/gen-000001`` ...). A rebuild writes a new generation beside the
live one, then replaces ``CURRENT`` with ``os.replace``, which is atomic: a
reader opens either the old complete index or the new complete one.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

POINTER = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6})$")


class IndexMissing(LookupError):
    """No index has been created in this folder yet."""


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def generations(base_dir: Path) -> list[tuple[int, Path]]:
    """All generation folders, oldest first (complete or not)."""
    if not base_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in base_dir.iterdir()
             if p.is_dir() and (m := _GEN.match(p.name))]
    return sorted(found)


def current(base_dir: Path) -> Path:
    """The live generation folder. Raises `IndexMissing`."""
    try:
        name = (base_dir / POINTER).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise IndexMissing(str(base_dir)) from None
    if not _GEN.match(name):
        raise IndexMissing(f"{base_dir}: bad {POINTER} {name!r}")
    return base_dir / name


def next_generation(base_dir: Path) -> Path:
    gens = generations(base_dir)
    return base_dir / generation_name(gens[-1][0] + 1 if gens else 1)


def fsync_tree(folder: Path) -> None:
    """Flush a freshly written folder so a crash after the swap finds it whole."""
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap(base_dir: Path, generation: Path) -> None:
    """Point ``CURRENT`` at ``generation`` atomically."""
    tmp = base_dir / f"{POINTER}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(generation.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, base_dir / POINTER)
    _fsync_dir(base_dir)


def prune(base_dir: Path, keep: set[str]) -> None:
    """Remove every generation except the live one and those named in ``keep``.

    Rebuilds keep the generation they replaced, so that searchers still open
    on it have until the next rebuild to refresh. Anything else is a
    leftover, such as a rebuild that died before its swap.
    """
    keep = set(keep) | {current(base_dir).name}
    for _, path in generations(base_dir):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
