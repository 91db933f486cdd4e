"""The action-plan forms: what the editor, the review, the revision and the progress report
post, read as typed and bounded. Nothing is refused here: a draft keeps whatever was typed,
and the rules (services.py, reports.py) say what a submission needs, all problems at once.

Field names are the ones the pages have always posted (``activities-<i>-<field>``,
``comment-<section>``, ``activity-<key>-status``), so a page open across a release still saves.
"""
from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField

from .models import ACTIVITY_FIELDS, SECTIONS, TEXT_SECTIONS
from .reports import REPORT_FIELDS
from .services import MAX_TEXT

MAX_ACTIVITIES = 40


def _bounded(limit: int = MAX_TEXT):
    return lambda value: (value or "")[:limit]


def _bounded_or_none(value):
    """Kept as None when the field was not posted (the page had no such field)."""
    return None if value is None else value[:MAX_TEXT]


class ActivityForm(Form):
    """One row of the plan's activities (no CSRF token of its own: the plan's form has it)."""

    key = HiddenField(filters=[_bounded(16)])
    description = TextAreaField(filters=[_bounded()])
    responsible = StringField(filters=[_bounded()])
    start = StringField(filters=[_bounded()])
    end = StringField(filters=[_bounded()])
    indicator = StringField(filters=[_bounded()])
    target = StringField(filters=[_bounded()])
    resources = StringField(filters=[_bounded()])


def _sound_keys(rows: list[dict]) -> list[dict]:
    """Keys tie report lines to activities across versions: kept if sound and unique."""
    seen: set[str] = set()
    for row in rows:
        key = row["key"]
        if not (key.isascii() and key.isalnum()) or key in seen:
            row["key"] = secrets.token_hex(4)
        seen.add(row["key"])
    return rows


class PlanForm(FlaskForm):
    """The editor (and its autosave). ``action``: save, submit, add, or remove-<i>."""

    title = StringField(filters=[_bounded()])
    problem = TextAreaField(filters=[_bounded()])
    objectives = TextAreaField(filters=[_bounded()])
    target_group = TextAreaField(filters=[_bounded()])
    risks = TextAreaField(filters=[_bounded()])
    support = TextAreaField(filters=[_bounded()])
    language = StringField(filters=[_bounded(8)])
    activities = FieldList(FormField(ActivityForm), max_entries=MAX_ACTIVITIES)
    reason = TextAreaField(filters=[_bounded_or_none])
    rev = HiddenField()
    action = HiddenField(filters=[lambda value: value or "save"])

    def content(self) -> dict:
        """The plan's content as typed; a row whose removal was asked for is left out."""
        rows = [{f: row.data[f] for f in ("key",) + ACTIVITY_FIELDS}
                for i, row in enumerate(self.activities) if i != self.removed_row()]
        return {**{s: getattr(self, s).data for s in TEXT_SECTIONS},
                "activities": _sound_keys(rows)}

    def removed_row(self) -> int | None:
        name, _, index = self.action.data.partition("remove-")
        return int(index) if not name and index.isdigit() else None


class RevisionForm(FlaskForm):
    reason = TextAreaField(filters=[_bounded()])


class SharingForm(FlaskForm):
    shared = HiddenField()


class ReviewForm(FlaskForm):
    """A comment per section and on the plan as a whole (``comment-<section>``), and a
    decision: comment, return or accept."""

    decision = HiddenField(filters=[lambda value: value or "comment"])

    def comments(self) -> dict[str, str]:
        return {s: self["comment_" + s].data for s in SECTIONS + ("general",)}


for _section in SECTIONS + ("general",):
    setattr(ReviewForm, "comment_" + _section,
            TextAreaField(name="comment-" + _section, filters=[_bounded()]))


class ReportForm(FlaskForm):
    """A progress report. The fields of each activity are added per report, named by the
    activity's key: see :func:`report_form`."""

    achievements = TextAreaField(filters=[_bounded()])
    challenges = TextAreaField(filters=[_bounded()])
    next_steps = TextAreaField(filters=[_bounded()])
    applied = TextAreaField(filters=[_bounded()])
    language = StringField(filters=[_bounded(8)])
    evidence_id = HiddenField()
    action = HiddenField(filters=[lambda value: value or "save"])

    def typed(self, report) -> dict:
        """What was typed, as typed (to show it again), in the shape reports.save takes."""
        typed = {f: self[f].data for f in REPORT_FIELDS}
        typed["language"] = self.language.data or report.language
        typed["activities"] = [
            {"key": a.activity_key, "description": a.description,
             "status": self["status_" + a.activity_key].data or a.status,
             "percent": self["percent_" + a.activity_key].data.strip()[:10]}
            for a in report.activities]
        return typed

    def removed_file(self) -> int | None:
        name, _, index = self.action.data.partition("remove-file-")
        return int(index) if not name and index.isdigit() else None


def report_form(report, **extra) -> ReportForm:
    """The report's form, with a status and a percentage for each activity of the plan;
    what was not posted is as the report was saved."""
    class Form(ReportForm):
        pass

    for a in report.activities:
        setattr(Form, "status_" + a.activity_key, StringField(
            name="activity-%s-status" % a.activity_key, default=a.status,
            filters=[_bounded(20)]))
        setattr(Form, "percent_" + a.activity_key, StringField(
            name="activity-%s-percent" % a.activity_key, default=str(a.percent),
            filters=[_bounded(10)]))
    return Form(obj=report, **extra)
