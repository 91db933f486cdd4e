"""Every form posted with every field wrong at once, as a real user might (issue 18): one answer
names every problem, in the summary at the top (``form_errors``) and beside its field (an
``<id>-error`` paragraph the field's ``aria-describedby`` points to), with the house's status
and what was typed kept. The audit's table of forms is in docs/DOMAINS.md ("Forms: every
problem at once")."""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field

import pytest

from portal.auth.models import User
from portal.extensions import db
from tests.assignments.conftest import quick_user, signed_in, world  # noqa: F401 (fixtures)

LONG = "x" * 100_001  # past the hand-in's 100,000 characters


@dataclass
class Case:
    client: object
    url: str
    data: dict
    summary: list[str]                                   # every message, in the one summary
    beside: dict[str, str] = field(default_factory=dict)  # field id -> its message
    kept: list[str] = field(default_factory=list)         # typed values given back
    page: str | None = None                               # where the CSRF token is read


def _hand_in_empty_text_wrong_file(app, world, signed_in, login_as):  # noqa: F811
    """Nothing written, a program instead of a PDF, the statement not ticked."""
    alice = signed_in(world.alice)
    return Case(alice, "/assignments/%d" % world.assignment_id, {
        "text": " ", "action": "submit",
        "file": (io.BytesIO(b"MZ\x90\x00binary"), "report.exe")},
        summary=["Rédigez votre texte avant de le remettre.",
                 "Le fichier n'a pas été ajouté",
                 "Acceptez la déclaration pour remettre votre travail."],
        beside={"text": "Rédigez votre texte", "upload-file": "Le fichier n'a pas été ajouté",
                "statement": "Acceptez la déclaration"})


def _hand_in_text_too_long(app, world, signed_in, login_as):  # noqa: F811
    """A paste past the limit and the statement not ticked: both said, the text given back."""
    alice = signed_in(world.alice)
    return Case(alice, "/assignments/%d" % world.assignment_id,
                {"text": LONG, "action": "submit"},
                summary=["Le texte est trop long (100\u202f000 caractères au plus).",
                         "Joignez au moins un fichier",
                         "Acceptez la déclaration pour remettre votre travail."],
                beside={"text": "Le texte est trop long", "upload-file": "Joignez au moins",
                        "statement": "Acceptez la déclaration"},
                kept=[LONG])


def _extension_request(app, world, signed_in, login_as):  # noqa: F811
    alice = signed_in(world.alice)
    return Case(alice, "/assignments/%d/extension" % world.assignment_id,
                {"reason": "", "wanted": "next tuesday"},
                page="/assignments/%d" % world.assignment_id,
                summary=["Indiquez une raison."], beside={"reason": "Indiquez une raison."},
                kept=["next tuesday"])


def _assignment_form(app, world, signed_in, login_as):  # noqa: F811
    """No English title, opening after the due date, a cut-off before it, 0 files, files
    asked for but no kind of file ticked (a group of checkboxes: its error tied to it)."""
    instructor = signed_in(world.instructor)
    return Case(instructor, "/assignments/course/%d/new" % world.course_id, {
        "phase": "pre-arrival", "title_en": "", "title_fr": "Titre gardé",
        "opens_at": "2030-05-10T09:00", "due_mode": "fixed", "due_at": "2030-05-01T09:00",
        "cutoff_at": "2030-04-01T09:00", "asks": "both", "file_types": [],
        "max_files": "0", "max_size_mb": "5"},
        summary=["Enter a title in English.", "The assignment must open before it is due.",
                 "The cut-off cannot come before the due date.", "Between 1 and 20 files.",
                 "Choose at least one kind of file."],
        beside={"opens_at": "The assignment must open before it is due.",
                "cutoff_at": "The cut-off cannot come before the due date.",
                "max_files": "Between 1 and 20 files.",
                "file_types": "Choose at least one kind of file."},
        kept=["Titre gardé", "2030-04-01T09:00"])


def _course_form(app, world, signed_in, login_as):  # noqa: F811
    """Fixed by bc84bcb; kept in the table so it stays fixed."""
    client, _ = login_as("coordinator")
    return Case(client, "/courses/new", {
        "code": "FISH-1", "subject": "agriculture", "program_type": "group-region",
        "training_center": "Tokyo", "languages": ["en"], "pre_arrival_opens": "2026-05-01",
        "arrival": "2026-06-01", "departure": "2026-05-15", "report_months": "3",
        "title_en": "", "description_en": "Kept description"},
        summary=["Enter a title in at least one language.",
                 "The departure from Japan must come after the arrival.",
                 "Another course already has this code."],
        beside={"departure": "The departure from Japan must come after the arrival.",
                "code": "Another course already has this code."},
        kept=["Kept description"])


def _invitation(app, world, signed_in, login_as):  # noqa: F811
    """No name, and the address of an account that has a password already."""
    client, _ = login_as("admin")
    with app.app_context():
        taken = db.session.get(User, world.bob.id).email
    return Case(client, "/invite", {"email": taken, "name": "", "role": "participant",
                                    "organization": "Kept organization", "language": "en"},
                summary=["Enter a name.", "An account with this e-mail address exists already."],
                beside={"name": "Enter a name.",
                        "email": "An account with this e-mail address exists already."},
                kept=["Kept organization"])


def _password_change(app, world, signed_in, login_as):  # noqa: F811
    """The current password wrong, the new one too short and not repeated alike."""
    client, _ = login_as("participant")
    return Case(client, "/account", {"pw-current": "not my password", "pw-password": "short",
                                     "pw-confirm": "shorter", "pw-submit": "1"},
                summary=["The current password is not right.",
                         "The password must have", "The two passwords differ."],
                beside={"pw-current": "The current password is not right.",
                        "pw-password": "The password must have",
                        "pw-confirm": "The two passwords differ."})


def _preferences(app, world, signed_in, login_as):  # noqa: F811
    client, _ = login_as("participant")
    return Case(client, "/account", {"prefs-name": "", "prefs-language": "en",
                                     "prefs-timezone": "Mars/Olympus", "prefs-submit": "1"},
                summary=["Enter your name.", "Choose a time zone from the list."],
                beside={"prefs-name": "Enter your name.",
                        "prefs-timezone": "Choose a time zone from the list."})


def _extension_grant(app, world, signed_in, login_as):  # noqa: F811
    """A message past 5,000 characters and a cut-off before the new due date: both said,
    each beside its field."""
    tanaka = signed_in(world.instructor)
    return Case(tanaka, "/assignments/%d/extensions" % world.assignment_id, {
        "participant": str(world.alice.id), "due_at": "2030-01-10T12:00",
        "cutoff_at": "2030-01-09T12:00", "answer": "y" * 5001},
        summary=["Field cannot be longer than 5000 characters.",
                 "The cut-off cannot come before the due date."],
        beside={"answer": "Field cannot be longer than 5000 characters.",
                "cutoff_at": "The cut-off cannot come before the due date."},
        kept=["2030-01-09T12:00"])


def _extension_answer(app, world, signed_in, login_as):  # noqa: F811
    """No answer chosen, a cut-off before the new due date, a message too long."""
    alice = signed_in(world.alice)
    work = "/assignments/%d" % world.assignment_id
    assert alice.submit(work + "/extension", {"reason": "Coupure"}, page=work).status_code == 302
    with app.app_context():
        from portal.assignments.models import Extension
        ext_id = db.session.query(Extension.id).scalar()
    tanaka = signed_in(world.instructor)
    return Case(tanaka, "/assignments/extensions/%d" % ext_id, {
        "due_at": "2030-01-10T12:00", "cutoff_at": "2030-01-09T12:00", "answer": "y" * 5001},
        page="/assignments/%d/extensions" % world.assignment_id,
        summary=["Choose an answer.", "The cut-off cannot come before the due date.",
                 "Field cannot be longer than 5000 characters."],
        beside={"decision-%d" % ext_id: "Choose an answer.",
                "cutoff_at-%d" % ext_id: "The cut-off cannot come before the due date.",
                "answer-%d" % ext_id: "Field cannot be longer than 5000 characters."},
        kept=["2030-01-09T12:00", "2030-01-10T12:00"])


def _review(app, world, signed_in, login_as):  # noqa: F811
    """Returned without feedback, with a program as the feedback file."""
    from tests.assignments.test_review import hand_in
    hand_in(signed_in(world.alice), world)
    with app.app_context():
        from portal.assignments.models import Submission
        submission_id = db.session.query(Submission.id).filter_by(
            user_id=world.alice.id).scalar()
    tanaka = signed_in(world.instructor)
    return Case(tanaka, "/assignments/submissions/%d/review" % submission_id, {
        "decision": "returned", "feedback": " ",
        "file": (io.BytesIO(b"MZ\x90\x00binary"), "notes.exe")},
        summary=["Say what should change", "not accepted"],
        beside={"feedback": "Say what should change", "feedback-file": "not accepted"})


def _material(app, world, signed_in, login_as):  # noqa: F811
    """A new material with no title, a year out of range, a subject that is none, a program as
    its file and two subtitle files that are not subtitles: every refused language said, each
    beside its field."""
    from tests.library.test_library_pages import _form
    client, _ = login_as("instructor")
    data = _form(title_en="", description_en="Kept description", year="1800",
                 subjects=["health", "no-such-subject"])
    data["file"] = (io.BytesIO(b"MZ\x90\x00binary"), "talk.exe")
    data["subtitles_fr"] = (io.BytesIO(b"not subtitles"), "talk.fr.vtt")
    data["subtitles_es"] = (io.BytesIO(b"WEBVTT\n\n00:01.000 --> nonsense\nHola\n"),
                            "talk.es.vtt")
    return Case(client, "/library/new", data,
                summary=["Give a title in at least one language.", "1950", "not accepted",
                         "Subtitles in French", "Subtitles in Spanish", "no-such-subject"],
                beside={"title": "Give a title in at least one language.",
                        "year": "1950", "upload-file": "not accepted",
                        "subjects": "no-such-subject",
                        "subtitles_fr": "Subtitles in French",
                        "subtitles_es": "Subtitles in Spanish"},
                kept=["Kept description"])


def _catalogue_outline(app, world, signed_in, login_as):  # noqa: F811
    """A series with spaces and a program as the General Information document."""
    coordinator = signed_in(world.coordinator)
    return Case(coordinator, "/catalogue/%d/outline" % world.course_id, {
        "eligibility_en": "Kept eligibility", "series": "not a series!",
        "document": (io.BytesIO(b"MZ\x90\x00binary"), "info.pdf")},
        summary=["Use letters, digits, dots, dashes and underscores only.",
                 "does not match its name"],
        beside={"series": "Use letters, digits", "document": "does not match its name"},
        kept=["Kept eligibility", "not a series!"])


CASES = [_hand_in_empty_text_wrong_file, _hand_in_text_too_long, _extension_request,
         _assignment_form, _course_form, _invitation, _password_change, _preferences,
         _extension_grant, _extension_answer, _review, _material,
         _catalogue_outline]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_every_problem_of_a_form_is_said_at_once(app, world, signed_in, login_as,  # noqa: F811
                                                  make):
    said_at_once(make(app, world, signed_in, login_as))


def said_at_once(case: Case) -> None:
    """The checks of the table's rows (tests/action_plans has its own world and rows)."""
    response = case.client.submit(case.url, case.data, page=case.page or case.url)
    assert response.status_code in (400, 409, 422), response.status_code
    page = html.unescape(response.get_data(as_text=True))
    assert page.count('class="error-summary"') == 1, "one summary at the top"
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    for message in case.summary:
        assert message in summary, message
    for field_id, message in case.beside.items():
        error = re.search(r'<p class="error" id="%s-error"[^>]*>(.*?)</p>' % re.escape(field_id),
                          page, re.S)
        assert error and message in error.group(1), (field_id, message)
        assert re.search(r'aria-describedby="[^"]*\b%s-error\b' % re.escape(field_id), page), \
            field_id
    for typed in case.kept:
        assert typed in page, typed[:40]


def test_a_refused_file_does_not_hand_in_what_the_draft_had(app, world, signed_in):  # noqa: F811
    """With a file refused, nothing is handed in, even when the rest would do."""
    from tests.assignments.conftest import PDF

    alice = signed_in(world.alice)
    url = "/assignments/%d" % world.assignment_id
    assert alice.submit(url, {"text": "Mon texte", "action": "draft",
                              "file": (io.BytesIO(PDF), "r.pdf")}).status_code == 302
    response = alice.submit(url, {"text": "Mon texte", "action": "submit", "statement": "y",
                                  "file": (io.BytesIO(b"MZ\x90\x00binary"), "r.exe")})
    assert response.status_code == 400
    with app.app_context():
        from portal.assignments.models import Submission
        submission = db.session.query(Submission).filter_by(user_id=world.alice.id).one()
        assert submission.state == "draft"
