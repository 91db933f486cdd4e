"""Assignments: what participants are asked to hand in, their submissions and versions,
review, extensions, reminders and the coordinator's matrix."""
from flask import Blueprint

# cli_group=None: the commands are top-level (`flask send-reminders`).
bp = Blueprint("assignments", __name__, cli_group=None)

from . import cli, dashboards, routes, routes_staff  # noqa: E402,F401
