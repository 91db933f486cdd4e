"""Forms of the calendar feed: the account page's buttons carry only the CSRF check."""
from __future__ import annotations

from flask_wtf import FlaskForm


class CalendarLinkForm(FlaskForm):
    """Make, replace or turn off the link (the button's ``action``)."""
