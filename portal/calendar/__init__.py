"""Calendar feeds: each person's deadlines, course dates and report dates as an iCalendar feed
at a private address (a random secret of which only the hash is kept), made, replaced or turned
off from the account page. docs/CALENDAR.md."""


def init_app(app) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
