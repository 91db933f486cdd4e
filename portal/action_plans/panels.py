"""The action-plan panels of the dashboard: a participant's plans, the plans staff review."""
from __future__ import annotations

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..home.panels import panel
from . import services


@panel(order=30, roles=(PARTICIPANT,))
def my_action_plans(user):
    rows = [(e, p) for e, p in services.plans_of(user) if e.is_participating]
    if not rows:
        return None
    return "action_plans/_panel.html", {"rows": rows, "states": services.state_labels()}


@panel(order=30, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def plans_to_review(user):
    plans = services.waiting_for_review(user)
    if not plans:
        return None
    return "action_plans/_panel_review.html", {"plans": plans}
