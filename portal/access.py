"""Who may call each route.

Every view declares its audience with ``@allow(...)``; a route without a declaration is refused
(deny by default) and fails the access-table test. Object-level rules (which course, whose
work) come on top of this: "staff of a course" and the enrollment states are defined once on the
course models (``Course.is_staff``, ``Enrollment.is_active``...; docs/ACCESS.md).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"            # anyone, signed in or not
AUTHENTICATED = "authenticated"  # any signed-in account
PARTICIPANT, INSTRUCTOR, COORDINATOR, ADMIN = "participant", "instructor", "coordinator", "admin"
ROLES = (PARTICIPANT, INSTRUCTOR, COORDINATOR, ADMIN)
STAFF = (INSTRUCTOR, COORDINATOR, ADMIN)
AUDIENCES = frozenset((PUBLIC, AUTHENTICATED, *ROLES))


def allow(*audiences: str) -> Callable:
    """Declare who may call a view: ``PUBLIC``, ``AUTHENTICATED`` or role names."""
    unknown = set(audiences) - AUDIENCES
    if not audiences or unknown:
        raise ValueError("unknown audience: %s" % sorted(unknown))

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            check(frozenset(audiences))
            return view(*args, **kwargs)
        guarded.access = frozenset(audiences)
        return guarded
    return decorate


def policy_of(endpoint: str | None) -> frozenset[str] | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return frozenset((PUBLIC,))
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def admits(audiences: frozenset[str], user) -> bool:
    """Whether a route declared for ``audiences`` lets ``user`` in (the rule ``check``
    enforces; object-level rules, which course, whose work, come on top)."""
    if PUBLIC in audiences:
        return True
    return bool(user.is_authenticated) and (AUTHENTICATED in audiences or user.role in audiences)


def may_open(endpoint: str, user=None) -> bool:
    """Whether the route at ``endpoint`` lets ``user`` (the current one) in, by its declared
    audience: what the header's links and the pages' buttons ask before showing, so that a
    link is offered to exactly those its route admits."""
    policy = policy_of(endpoint)
    return policy is not None and admits(
        policy, current_user._get_current_object() if user is None else user)


def check(audiences: frozenset[str]) -> None:
    if PUBLIC in audiences:
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            abort(401)
        if request.method == "POST":  # the session ended under a form: keep what was typed
            from .protect.web import refused_post
            kept = refused_post()
            if kept is not None:
                abort(kept)
        return abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if admits(audiences, current_user):
        return None
    return abort(403)


def enforce_declared_policy() -> None:
    """``before_request``: refuse any endpoint that declared no audience (deny by default)."""
    if request.endpoint is None:  # 404 / 405 are answered by the router
        return
    if policy_of(request.endpoint) is None:
        current_app.logger.error("route %s has no access policy; refused", request.endpoint)
        abort(403)
