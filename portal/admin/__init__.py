"""Administration: users and roles (admins), invitations (coordinators and admins)."""


from ..i18n import lazy_gettext as _l
from ..navigation import nav_link


def init_app(app) -> None:
    from . import routes, security_routes  # noqa: F401  (its views are on routes.bp)
    app.register_blueprint(routes.bp)
    # Last in the header, for those their routes admit (coordinators invite, admins all three).
    nav_link("admin.invite", _l("Invite"), order=90)
    nav_link("admin.users", _l("Users"), order=91)
    nav_link("admin.status", _l("Status"), order=92)
