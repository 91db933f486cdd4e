"""One error style: a DomainError carries a code; the edge words it in the reader's language
and answers with its status."""
from flask_babel import lazy_gettext as _l

from portal.domain_errors import DomainError, Messages


def test_a_table_words_codes_formats_params_and_has_a_default(app):
    words = Messages({"late": _l("Due on %(day)s."), "one_or_many": lambda p: "%(n)s items"},
                     default=_l("The request could not be carried out."),
                     prepare=lambda code, p: {**p, "day": p.get("day", "").upper()})
    with app.test_request_context():
        assert words("late", {"day": "monday"}) == "Due on MONDAY."
        assert words("one_or_many", {"n": 3}) == "3 items"
        assert words("unknown") == "The request could not be carried out."


def _refusing_route(app):
    from portal.access import PUBLIC, allow
    from portal.action_plans.services import PlanError

    @app.route("/test-refused")
    @allow(PUBLIC)
    def refused():
        raise PlanError("stale")


def test_an_uncaught_domain_error_is_a_page_in_french_with_its_status(app):
    _refusing_route(app)
    response = app.test_client().get("/test-refused", headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    assert "Ce plan a été modifié dans une autre fenêtre" in response.get_data(as_text=True)


def test_an_uncaught_domain_error_is_json_for_an_api_client(app):
    _refusing_route(app)
    response = app.test_client().get("/test-refused", headers={
        "Accept": "application/json", "Accept-Language": "es"})
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "stale" and error["status"] == 409
    assert error["message"].startswith("Este plan")


def test_every_domain_error_names_a_table_that_knows_its_codes():
    import importlib

    from portal.assignments.services import RuleBroken
    from portal.courses.imports import FileProblem
    from portal.evaluation.services import AlreadyAnswered, QuestionsLocked
    from portal.library.services import LibraryError
    from portal.uploads.checks import UploadRefused
    from portal.uploads.services import UploadError

    for kind in (RuleBroken, FileProblem, AlreadyAnswered, QuestionsLocked, LibraryError,
                 UploadRefused, UploadError, DomainError):
        assert isinstance(importlib.import_module(kind.messages).MESSAGES, Messages), kind
