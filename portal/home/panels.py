"""The dashboard is made of panels that each domain registers:

    from portal.home.panels import panel

    @panel(order=20, roles=("participant",))
    def due_next(user):
        return "assignments/_panel_due_next.html", {"items": ...}

A panel returns (template, context) or None to show nothing. The courses panels live in
``portal/courses/panels.py``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT


@dataclass(frozen=True)
class Panel:
    order: int
    roles: tuple[str, ...]
    build: Callable


_PANELS: list[Panel] = []


def panel(order: int = 50, roles: tuple[str, ...] = (PARTICIPANT, INSTRUCTOR, COORDINATOR,
                                                       ADMIN)) -> Callable:
    def register(func: Callable) -> Callable:
        if all(p.build.__qualname__ != func.__qualname__ or p.build.__module__ != func.__module__
               for p in _PANELS):
            _PANELS.append(Panel(order, tuple(roles), func))
            _PANELS.sort(key=lambda p: p.order)
        return func
    return register


def for_user(user) -> list[Markup]:
    """The panels the user's role sees, each made by its domain and rendered. The context every
    template gets (``request``, ``current_user``...: what ``render_template`` adds) is made
    once for all the panels, not once a panel."""
    built = [result for p in _PANELS if user.role in p.roles
             if (result := p.build(user)) is not None]
    app, shared = current_app._get_current_object(), {}
    app.update_template_context(shared)
    return [Markup(app.jinja_env.get_template(name).render({**shared, **values}))
            for name, values in built]
