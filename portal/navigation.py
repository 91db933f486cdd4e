"""Links in the header, registered by each domain:

    from portal.navigation import nav_link
    nav_link("library.home", _l("Library"), order=20)                 # everyone
    nav_link("courses.index", _l("Courses"), roles=("coordinator",))  # some roles

``roles=None`` shows the link to everyone; ``("authenticated",)`` to any signed-in account.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: object  # a lazy string
    order: int
    roles: tuple[str, ...] | None


_LINKS: dict[str, NavLink] = {}


def nav_link(endpoint: str, label, order: int = 50, roles: tuple[str, ...] | None = None) -> None:
    _LINKS[endpoint] = NavLink(endpoint, label, order, tuple(roles) if roles else None)


def links_for_current_user() -> list[NavLink]:
    signed_in = current_user.is_authenticated
    role = current_user.role if signed_in else None
    return [link for link in sorted(_LINKS.values(), key=lambda link: link.order)
            if link.roles is None or (signed_in and ("authenticated" in link.roles
                                                     or role in link.roles))]
