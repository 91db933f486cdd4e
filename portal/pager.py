"""The pages of a list (``templates/_pager.html`` shows them): one rule for the page a request
gets, in every list the database pages."""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .extensions import db


def paginate(query: Select, per_page: int, number: int | None = None) -> Pagination:
    """The page of ``query``'s rows asked for (``number``, else ``?page=``): the first when no
    page or no number is given, the last when the one asked for is past the end (an old link,
    rows removed since), so a list that holds rows never shows an empty page."""
    if number is None:
        number = request.args.get("page", 1, type=int)
    number = max(number or 1, 1)
    page = db.paginate(query, page=number, per_page=per_page, error_out=False)
    if number > max(page.pages, 1):
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page
