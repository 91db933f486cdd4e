"""What lets the suite run on several pytest-xdist workers at once (``make test`` runs
``pytest -n auto --dist loadgroup``).

Each worker is its own process with its own ``tmp_path_factory`` folder, hence its own instance
folders, SQLite files and search indexes; its own PostgreSQL database (tests/conftest.py names
each one with a uuid); and servers listening on ports the kernel picks (port 0) while they are
bound, so two workers never race for one. This module holds the two pieces that need care:

- ``xdist_group``: tests sharing an expensive server for a whole module (or, for the browser
  tests, the session) stay on one worker, so it starts once; other tests go wherever a worker
  is free. A module whose tests read what its other tests left behind (module-level results)
  says so itself, with ``pytestmark = pytest.mark.xdist_group("name")``: it then runs whole,
  on one worker, in its usual order.
- ``schedule_key``: the order work is handed out in. The long groups go first, so no worker is
  left running one alone at the end; the SQLite and the PostgreSQL tests stay in two blocks, so a
  worker migrates each database once (a session fixture with another parameter is set up again).
"""
from __future__ import annotations

import socket

import pytest


def xdist_group(item: pytest.Item) -> str | None:
    """The group of a test that shares a server or a data set beyond itself, else None."""
    if "live_server" in item.fixturenames:
        return "browser"
    # pytest has no public view of a test's fixture definitions; _fixtureinfo is stable since 3.0.
    defs = item._fixtureinfo.name2fixturedefs.values()
    if any(chain[-1].scope == "module" for chain in defs):
        return "%s:%s" % (item.path.name, database_of(item) or "none")
    return None


def tag(item: pytest.Item) -> None:
    """Write a grouped test's group where ``--dist loadgroup`` reads it: a ``@group`` suffix
    of its node id. pytest-xdist 3.8 writes the suffix to a field pytest 9.2 no longer reads
    (pytest-dev/pytest-xdist#1386, fix pending as #1388), so every test would go anywhere."""
    names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")})
    if names and hasattr(item, "_id") and "@" not in item.nodeid.rpartition("]")[2]:
        from _pytest.nodeid import coerce_node_id
        item._id = coerce_node_id("%s@%s" % (item.nodeid, "_".join(names)))


def database_of(item: pytest.Item) -> str | None:
    """``sqlite`` or ``postgresql`` for a test on the shared ``database_url``, else None."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None


_BLOCKS = {None: 0, "sqlite": 1, "postgresql": 2}


def schedule_key(item: pytest.Item, whole_module: bool) -> tuple:
    """Grouped tests without a database first (browser journeys, the topology) with the
    modules that run whole, then each database's block with its grouped tests leading, then
    the short tests without a database, which fill the workers' last minutes."""
    database = database_of(item)
    grouped = item.get_closest_marker("xdist_group") is not None
    if whole_module or database is None:
        return (0,) if grouped else (3,)
    return (_BLOCKS[database], not grouped)


def listening_socket() -> socket.socket:
    """A TCP socket on 127.0.0.1, on a port the kernel picked, already listening: hand it to a
    server process (gunicorn's ``--bind fd://N`` with ``pass_fds``) so nobody can take the port
    between choosing it and serving on it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def any_port_controller(handler, hostname: str):
    """An aiosmtpd ``Controller`` listening on a port the kernel picks (``.port`` once
    started): aiosmtpd binds before it knows the port, then connects to it to check it is up."""
    from aiosmtpd.controller import Controller

    class AnyPortController(Controller):
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    return AnyPortController(handler, hostname=hostname, port=0)
