"""Evaluation pages: the participant's questionnaires and answer form; the questions page of
the course's coordinators; results, CSV and the comparison across the series' years."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import charts, jobs
from ..access import ADMIN, COORDINATOR, PARTICIPANT, STAFF, allow
from ..courses import services as courses
from ..domain_errors import flash_error
from ..extensions import db
from ..i18n import gettext as _, ngettext
from ..protect.web import kept_formdata, prefill
from . import exports, services
from .forms import KIND_LABELS, CsrfForm, OpeningForm, QuestionForm, language_list
from .models import SCALE

bp = Blueprint("evaluation", __name__)


@bp.route("/evaluation")
@allow(PARTICIPANT)
def mine():
    return render_template("evaluation/mine.html", items=services.open_for(current_user))


def _participant_course(course_id: int):
    course = courses.course_for(current_user, course_id)
    if not services.may_answer(current_user, course):
        abort(404)
    return course


@bp.route("/evaluation/courses/<int:course_id>", methods=["GET", "POST"])
@allow(PARTICIPANT)
def answer(course_id: int):
    course = _participant_course(course_id)
    questionnaire = services.questionnaire_of(course)
    state = services.state(questionnaire, current_user)
    if state == "no-questions":
        abort(404)
    if request.method == "GET" or state != "open":
        return _questionnaire_as_it_stands(course, questionnaire, state)
    if not CsrfForm().validate_on_submit():  # the answer fields are read below
        abort(400)
    typed = {q.id: request.form.get("q-%d" % q.id, "") for q in questionnaire.questions}
    cleaned, problems = services.check_answers(questionnaire, typed)
    signed = request.form.get("signed") == "1"
    if problems:
        return _answer_page(course, questionnaire, state, request.form, problems, signed, 400)
    try:
        services.submit(questionnaire, current_user, cleaned, signed)
        jobs.commit()
    except services.AlreadyAnswered:
        db.session.rollback()
        return _answer_page(course, questionnaire, "answered", {}, {}, False, 409)
    flash(_("Thank you: your answers are recorded."), "success")
    return redirect(url_for("evaluation.answer", course_id=course.id))


# The status of a post the questionnaire does not take, by its state.
_REFUSED_POST = {"answered": 409, "not-open": 400}


def _questionnaire_as_it_stands(course, questionnaire, state: str):
    """The page without taking answers: the form to fill in (with the answers a post whose
    session had ended brought back), or why there is none; a post to it is refused."""
    kept = kept_formdata() if state == "open" else None  # refused as its session ended
    status = _REFUSED_POST.get(state, 400) if request.method == "POST" else 200
    return _answer_page(course, questionnaire, state, kept or {}, {},
                        bool(kept) and kept.get("signed") == "1", status)


def _answer_page(course, questionnaire, state, values, problems, signed, status=200):
    return render_template("evaluation/answer.html", course=course, questionnaire=questionnaire,
                           state=state, values=values, problems=problems, signed=signed,
                           scale=SCALE), status


# ------------------------------------------------------------------ coordinators


@bp.route("/evaluation/courses/<int:course_id>/questions", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def questions(course_id: int):
    course = courses.course_for(current_user, course_id, manage=True)
    kept = prefill(url_for("evaluation.questions", course_id=course.id))  # an ended session's
    form = QuestionForm(prefix="question", **kept).for_course(services.question_languages(course))
    opening = OpeningForm(prefix="opening")
    if request.method == "POST":
        if request.form.get("action") == "opening":
            if opening.validate_on_submit() and _opening_ok(course, opening):
                services.set_opening(course, opening.opens_on.data)
                jobs.commit()
                flash(_("The opening date is saved."), "success")
                return redirect(url_for("evaluation.questions", course_id=course.id))
        elif form.validate_on_submit():
            try:
                services.add_question(course, form.kind.data, form.text.data, form.required.data)
            except services.QuestionsLocked:
                db.session.rollback()
                return _questions_page(course, form, opening, 409)
            jobs.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for("evaluation.questions", course_id=course.id))
        return _questions_page(course, form, opening, 400)
    questionnaire = services.questionnaire_of(course)
    if questionnaire is not None:
        opening.opens_on.data = questionnaire.opens_on
    return _questions_page(course, form, opening)


def _opening_ok(course, opening: OpeningForm) -> bool:
    day = opening.opens_on.data
    if day is not None and day < course.arrival:
        opening.opens_on.errors.append(_("The questionnaire cannot open before the arrival in "
                                         "Japan."))
        return False
    return True


def _questions_page(course, form, opening, status=200):
    questionnaire = services.questionnaire_of(course)
    source = services.copy_source(course)
    return render_template(
        "evaluation/questions.html", course=course, questionnaire=questionnaire, form=form,
        opening=opening, kinds=KIND_LABELS, answered=services.respondent_count(questionnaire),
        source=source, to_copy=len(services.questions_to_copy(course, source)) if source else 0,
        languages=services.question_languages(course), language_list=language_list), status


@bp.route("/evaluation/courses/<int:course_id>/questions/<int:question_id>/remove",
          methods=["POST"])
@allow(COORDINATOR, ADMIN)
def remove_question(course_id: int, question_id: int):
    course = courses.course_for(current_user, course_id, manage=True)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        if not services.remove_question(course, question_id):
            abort(404)
    except services.QuestionsLocked as locked:
        db.session.rollback()
        flash_error(locked)
        return redirect(url_for("evaluation.questions", course_id=course.id), 303)
    jobs.commit()
    flash(_("The question is removed."), "success")
    return redirect(url_for("evaluation.questions", course_id=course.id))


@bp.route("/evaluation/courses/<int:course_id>/questions/copy", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def copy_questions(course_id: int):
    course = courses.course_for(current_user, course_id, manage=True)
    if not CsrfForm().validate_on_submit():
        abort(400)
    source = services.copy_source(course)
    if source is None:
        abort(404)
    try:
        copied = services.copy_questions(course, source)
    except services.QuestionsLocked as locked:
        db.session.rollback()
        flash_error(locked)
        return redirect(url_for("evaluation.questions", course_id=course.id), 303)
    jobs.commit()
    if copied:
        flash(ngettext("%(num)s question copied.", "%(num)s questions copied.", copied),
              "success")
    else:
        flash(_("The questions of %(code)s are here already: nothing was copied.",
                code=source.code), "info")
    return redirect(url_for("evaluation.questions", course_id=course.id))


# ------------------------------------------------------------------ results


@bp.route("/evaluation/courses/<int:course_id>/results")
@allow(*STAFF)
def results(course_id: int):
    course = courses.course_for(current_user, course_id, teach=True)
    questionnaire = services.questionnaire_of(course)
    texts = course.is_named_staff(current_user)
    return render_template(
        "evaluation/results.html", course=course, questionnaire=questionnaire,
        results=services.results(questionnaire, with_texts=texts), may_read_texts=texts,
        participants=len([e for e in course.enrollments if e.is_participating]),
        min_anonymous=services.MIN_ANONYMOUS, series=services.series(course),
        manage=course.can_manage(current_user), scale=SCALE, make_chart=_chart)


def _chart(result):
    return charts.counts([(s, result.distribution.get(s, 0)) for s in SCALE])


@bp.route("/evaluation/courses/<int:course_id>/results.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/evaluation/courses/<int:course_id>/results.csv", defaults={"fmt": "csv"})
@allow(*STAFF)
def results_csv(course_id: int, fmt: str):
    course = courses.course_for(current_user, course_id, teach=True)
    texts = course.is_named_staff(current_user)
    return exports.results(course, services.results(services.questionnaire_of(course),
                                                    with_texts=texts), fmt)


@bp.route("/evaluation/courses/<int:course_id>/compare")
@allow(*STAFF)
def compare(course_id: int):
    course = courses.course_for(current_user, course_id, teach=True)
    years, rows = services.compare(course)
    return render_template("evaluation/compare.html", course=course, years=years, rows=rows,
                           series_key=services.series_key(course))
