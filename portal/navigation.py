"""Links in the header, registered by each domain:

    from portal.navigation import nav_link
    nav_link("library.home", _l("Library"), order=20)

A link shows to those its route admits (``access.may_open``: the audience the view declares
with ``@allow``), so who sees a link and who may follow it are one rule.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from .access import may_open


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: object  # a lazy string
    order: int


_LINKS: dict[str, NavLink] = {}
_ORDERED: list[NavLink] = []


def nav_link(endpoint: str, label, order: int = 50) -> None:
    _LINKS[endpoint] = NavLink(endpoint, label, order)
    _ORDERED[:] = sorted(_LINKS.values(), key=lambda link: link.order)


def links_for_current_user() -> list[NavLink]:
    user = current_user._get_current_object()  # asked once, not once a link
    return [link for link in _ORDERED if may_open(link.endpoint, user)]
