"""Issue 8.1: every route of ``app.url_map``, every persona, real objects owned by someone else.

Each route that takes an id is tried with a real object from the demo world (see conftest.py)
that belongs to a participant ("owner") of a course taught by "instructor" and coordinated by
"coordinator". Who may reach it is the access table's audience intersected with the object rule
below; everyone else gets 403/404 (anonymous: sent to sign in, 401 or 404), for GET and for
POST/PUT/DELETE (with a valid CSRF token of their own session, so only access can refuse).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from portal.access import policy_of

_spec = importlib.util.spec_from_file_location(
    "access_table", Path(__file__).resolve().parents[1] / "access_table.py")
access_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(access_table)

# One-letter names keep the table below readable (hence E741, ambiguous names, is waived).
O, P2, AL, IO, I, CO, C, A, AN = ("owner", "other_participant", "alumnus", "instructor_other",  # noqa: E741
                                  "instructor", "coordinator_other", "coordinator", "admin",
                                  "anonymous")
EVERYONE = {AN, O, P2, AL, IO, I, CO, C, A}
READERS = {O, I, C, A}            # the owner and the staff of the object's course
STAFF = {I, C, A}
MANAGERS = {C, A}
LIB_VIEWERS = {O, I, IO, C, CO, A}   # a course material: its course's people and all staff
LIB_EDITORS = {I, C, CO, A}          # its uploader (the instructor), every coordinator, admins
NOBODY: set = set()

# endpoint -> (url arguments from world.ids, owner, instructor, who may reach the object)
FISH = ("jean-baptiste", "tanaka")
PLAN = ("samuel", "mori")
OBJECTS = {
    "action_plans.autosave": ({"plan_id": "plan"}, *PLAN, {O}),
    "action_plans.cancel_revision": ({"plan_id": "plan"}, *PLAN, {O}),
    "action_plans.course_plans": ({"course_id": "drr"}, *PLAN, STAFF),
    "action_plans.diff": ({"plan_id": "plan"}, *PLAN, READERS),
    "action_plans.edit": ({"plan_id": "plan"}, *PLAN, {O}),
    "action_plans.evidence": ({"plan_id": "plan", "month": "report_month",
                               "file_id": "evidence_file"}, *PLAN, READERS),
    "action_plans.report": ({"plan_id": "plan", "month": "report_month"}, *PLAN, READERS),
    "action_plans.remove_evidence": ({"plan_id": "plan", "month": "report_month",
                                      "file_id": "evidence_file"}, *PLAN, {O}),
    "action_plans.review": ({"plan_id": "plan"}, *PLAN, STAFF),
    "action_plans.revise": ({"plan_id": "plan"}, *PLAN, {O}),
    "action_plans.sharing": ({"plan_id": "plan"}, *PLAN, {O}),
    "action_plans.start": ({"enrollment_id": "fish_enrollment_aminata"}, "aminata", "tanaka",
                           {O}),
    "action_plans.version": ({"plan_id": "plan", "number": "plan_version"}, *PLAN, READERS),
    "action_plans.version_pdf": ({"plan_id": "plan", "number": "plan_version"}, *PLAN, READERS),
    "action_plans.view": ({"plan_id": "plan"}, *PLAN, READERS),
    # Any id: only administrators get past @allow (the POST itself is not sent for them).
    "admin.resend_mail": ({"mail_id": "=1"}, *FISH, {A}),
    "admin.set_active": ({"user_id": "jb"}, *FISH, {A}),
    "admin.reset_two_step": ({"user_id": "jb"}, *FISH, {A}),
    "admin.user": ({"user_id": "jb"}, *FISH, {A}),
    "assignments.answer_extension": ({"extension_id": "extension"}, *FISH, STAFF),
    "assignments.course": ({"course_id": "fish"}, *FISH, STAFF),
    "assignments.create": ({"course_id": "fish"}, *FISH, STAFF),
    "assignments.download_all": ({"assignment_id": "assignment"}, *FISH, STAFF),
    "assignments.edit": ({"assignment_id": "assignment"}, *FISH, STAFF),
    "assignments.delete": ({"assignment_id": "assignment"}, *FISH, STAFF),
    "assignments.extensions_page": ({"assignment_id": "assignment"}, *FISH, STAFF),
    "assignments.file": ({"link_id": "file_link"}, *FISH, READERS),
    "assignments.matrix": ({"course_id": "fish"}, *FISH, STAFF),
    "assignments.matrix_csv": ({"course_id": "fish"}, *FISH, STAFF),
    "assignments.queue": ({"course_id": "fish"}, *FISH, STAFF),
    "assignments.receipt": ({"submission_id": "submission", "number": "version"}, *FISH,
                            READERS),
    "assignments.remove_file": ({"assignment_id": "assignment", "link_id": "file_link"}, *FISH,
                                {O}),
    "assignments.request_extension": ({"assignment_id": "assignment"}, *FISH, {O}),
    "assignments.review": ({"submission_id": "submission"}, *FISH, STAFF),
    "assignments.save_work": ({"assignment_id": "assignment"}, *FISH, {O}),
    "assignments.version": ({"submission_id": "submission", "number": "version"}, *FISH,
                            READERS),
    "assignments.work": ({"assignment_id": "assignment"}, *FISH, {O}),
    # A made-up token: nobody gets anything from it.
    "auth.accept_invitation": ({"token": "=not-a-real-token"}, *FISH, NOBODY),
    "auth.reset_password": ({"token": "=not-a-real-token"}, *FISH, NOBODY),
    # catalogue (issue 10): the public course catalogue; outlines are edited by its managers
    "catalogue.course": ({"course_id": "fish"}, *FISH, EVERYONE),
    "catalogue.general_information": ({"course_id": "fish"}, *FISH, EVERYONE),
    # The demo course has no stored General Information file: every persona gets 404 here;
    # downloading one that exists (public, as an attachment) is tested in tests/catalogue.
    "catalogue.document": ({"course_id": "fish"}, *FISH, set()),
    "catalogue.edit_outline": ({"course_id": "fish"}, *FISH, MANAGERS),
    # end-of-course evaluation (issue 10)
    # no questionnaire is open in the demo world: refusals only are proven here (everyone 404)
    "evaluation.answer": ({"course_id": "drr"}, *PLAN, NOBODY),
    "evaluation.questions": ({"course_id": "fish"}, *FISH, MANAGERS),
    "evaluation.remove_question": ({"course_id": "fish", "question_id": "=1"}, *FISH, MANAGERS),
    "evaluation.copy_questions": ({"course_id": "fish"}, *FISH, MANAGERS),
    "evaluation.results": ({"course_id": "fish"}, *FISH, STAFF),
    "evaluation.results_csv": ({"course_id": "fish"}, *FISH, STAFF),
    "evaluation.compare": ({"course_id": "fish"}, *FISH, STAFF),
    "courses.add_staff": ({"course_id": "fish"}, *FISH, MANAGERS),
    "courses.change_states": ({"course_id": "fish"}, *FISH, MANAGERS),
    "courses.confirm": ({"course_id": "fish", "import_id": "import_id"}, *FISH, MANAGERS),
    "courses.edit": ({"course_id": "fish"}, *FISH, MANAGERS),
    "courses.export": ({"course_id": "fish"}, *FISH, STAFF),
    "courses.preview": ({"course_id": "fish", "import_id": "import_id"}, *FISH, MANAGERS),
    "courses.remove_staff": ({"course_id": "fish", "user_id": "tanaka"}, *FISH, MANAGERS),
    "courses.rollover": ({"course_id": "fish"}, *FISH, MANAGERS),
    "courses.rollover_confirm": ({"course_id": "fish"}, *FISH, MANAGERS),
    "courses.show": ({"course_id": "fish"}, *FISH, READERS),
    "courses.upload": ({"course_id": "fish"}, *FISH, MANAGERS),
    # announcements (issue 17): the demo's announcement to the FISH course reaches its owner
    "messaging.announcement": ({"announcement_id": "announcement"}, *FISH, READERS),
    "messaging.dismiss": ({"announcement_id": "announcement"}, *FISH, {O}),
    "messaging.mark_read": ({"announcement_id": "announcement"}, *FISH, {O}),
    "messaging.compose": ({"course_id": "fish"}, *FISH, STAFF),
    "messaging.course_announcements": ({"course_id": "fish"}, *FISH, STAFF),
    "library.add_subtitles": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.count_view": ({"slug": "=sec-course-doc"}, *FISH, LIB_VIEWERS),
    "library.edit": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.material": ({"slug": "=sec-course-doc"}, *FISH, LIB_VIEWERS),
    "library.media": ({"slug": "=sec-course-doc", "role": "=document"}, *FISH, LIB_VIEWERS),
    "library.retry": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.processing_status": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.transcribe": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.transcription_status": ({"slug": "=sec-course-doc"}, *FISH, LIB_EDITORS),
    "library.edit_cues": ({"slug": "=sec-course-doc", "lang": "=en"}, *FISH, LIB_EDITORS),
    "library.subtitles": ({"slug": "=sec-course-doc", "lang": "=en"}, *FISH, LIB_VIEWERS),
    "library.transcript": ({"slug": "=sec-course-doc", "lang": "=en"}, *FISH, LIB_VIEWERS),
    "library_api.material": ({"slug": "=sec-course-doc"}, *FISH, LIB_VIEWERS),
    "static": ({"filename": "=css/portal.css"}, *FISH, EVERYONE),
    "uploads.status": ({"upload_id": "upload"}, *FISH, {O}),
    "uploads.part": ({"upload_id": "upload", "number": "=1"}, *FISH, {O}),
    "uploads.put_part": ({"upload_id": "upload", "number": "=1"}, *FISH, {O}),
    "uploads.complete": ({"upload_id": "upload"}, *FISH, {O}),
    "uploads.cancel": ({"upload_id": "upload"}, *FISH, {O}),
    "uploads.download": ({"file_id": "stored_file"}, *FISH, READERS),
    # exports (issue 17): `.csv` and `.xlsx` are one endpoint whose format is a route default,
    # so these count as routes with arguments; the table's audience alone decides
    "action_plans.progress_csv": ({}, *FISH, EVERYONE),
    "admin.audit_export": ({}, *FISH, EVERYONE),
    "catalogue.centers_csv": ({}, *FISH, EVERYONE),
    "catalogue.stats_csv": ({}, *FISH, EVERYONE),
    # calendar feeds (issue 17): a made-up secret address gives nobody anything
    "calendar.feed": ({"token": "=not-a-real-token"}, *FISH, NOBODY),
}
# POST/PUT/DELETE routes the allowed personas are not sent (they would change the world);
# refusals are still tried on them.
UNSAFE = {"POST", "PUT", "DELETE", "PATCH"}


ROLE_OF = {AN: None, O: "participant", P2: "participant", AL: "participant",
           IO: "instructor", I: "instructor", CO: "coordinator", C: "coordinator", A: "admin"}
PERSONAS = (AN, O, P2, AL, IO, I, CO, C, A)


def audience(app, endpoint) -> set:
    declared = access_table.ACCESS.get(endpoint)
    if declared is None:
        with app.test_request_context():
            declared = policy_of(endpoint)
    return set(declared or ())


def role_may(aud: set, persona: str) -> bool:
    role = ROLE_OF[persona]
    if "public" in aud:
        return True
    return role is not None and ("authenticated" in aud or role in aud)


def url_for_object(world, endpoint, args) -> str:
    from flask import url_for
    values = {k: (v[1:] if isinstance(v, str) and v.startswith("=") else world.ids[v])
              for k, v in args.items()}
    with world.app.test_request_context():
        return url_for(endpoint, **values)


def refused(persona, response) -> bool:
    code = response.status_code
    if persona == AN:
        if code in (302, 303):
            return "/login" in response.headers.get("Location", "")
        return code in (401, 403, 404, 410)
    return code in (403, 404, 410)   # 410: a made-up token


def reached(response) -> bool:
    code = response.status_code
    if code in (302, 303):
        return "/login" not in response.headers.get("Location", "")
    return 200 <= code < 300


def login_key(persona, owner, instructor) -> str:
    return {O: owner, I: instructor}.get(persona, persona)


def send(world, persona_key, method, url, token):
    client = world.client(persona_key)
    if method == "GET":
        return client.get(url)
    headers = {"X-CSRFToken": token} if token else {}
    if method == "POST":
        return client.post(url, data={"csrf_token": token or ""}, headers=headers)
    return client.open(url, method=method, data=b"x", headers=headers)


@pytest.fixture(scope="module")
def tokens(world):
    cache = {}

    def token(key):
        if key == AN:
            return None  # anonymous: a token of its own, fetched per request below
        if key not in cache:
            cache[key] = world.client(key).csrf_token("/")
        return cache[key]
    return token


def test_every_route_is_classified_and_every_id_route_has_an_object(world):
    rules = list(world.app.url_map.iter_rules())
    unclassified = sorted(r.endpoint for r in rules if not audience(world.app, r.endpoint))
    assert not unclassified, "routes without an audience: %s" % unclassified
    missing = sorted({r.endpoint for r in rules if r.arguments} - set(OBJECTS))
    assert not missing, ("routes with ids never tried with someone else's object (add them to "
                         "OBJECTS in %s): %s" % (Path(__file__).name, missing))


def _problems(world, tokens, rule) -> list[str]:
    if rule.arguments and rule.endpoint not in OBJECTS:
        return []   # reported by test_every_route_is_classified_and_every_id_route_has_an_object
    args, owner, instructor, object_rule = OBJECTS.get(rule.endpoint) or ({}, "jean-baptiste",
                                                                          "tanaka", EVERYONE)
    url = url_for_object(world, rule.endpoint, args)
    aud = audience(world.app, rule.endpoint)
    problems = []
    for persona in PERSONAS:   # sign everyone in first: a sign-in writes its own rows
        tokens(login_key(persona, owner, instructor))
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        before = world.checksum() if method in UNSAFE else None
        for persona in PERSONAS:
            allowed = role_may(aud, persona) and persona in object_rule
            if allowed and method in UNSAFE:
                continue   # not sent: it would change the world for the next personas
            key = login_key(persona, owner, instructor)
            if persona == AN and method in UNSAFE:
                anon = world.app.test_client()
                token = anon.csrf_token("/")
                headers = {"X-CSRFToken": token}
                response = (anon.post(url, data={"csrf_token": token}, headers=headers)
                            if method == "POST" else
                            anon.open(url, method=method, data=b"x", headers=headers))
            else:
                response = send(world, key, method, url, tokens(key))
            ok = reached(response) if allowed else refused(persona, response)
            if not ok:
                problems.append("%s %s as %s (%s): %s%s" % (
                    method, url, persona, key, response.status_code,
                    " -> " + response.headers.get("Location", "") if response.status_code in
                    (301, 302, 303) else ""))
        after = world.checksum() if before is not None else None
        if after != before:
            changed = sorted(t for t in after if after[t] != before[t])
            problems.append("%s %s: a refused request changed %s" % (method, url, changed))
    return problems


def _all_rules():
    """Endpoints known at collection time (the world's app decides at run time)."""
    from portal.app import create_app  # noqa: F401
    return sorted(set(access_table.ACCESS) | set(OBJECTS))


@pytest.mark.parametrize("endpoint", _all_rules())
def test_route_answers_each_persona_as_the_table_says(world, tokens, endpoint):
    rules = [r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint]
    if not rules:
        pytest.skip("%s is not registered in this app" % endpoint)
    problems = [p for rule in rules for p in _problems(world, tokens, rule)]
    assert not problems, "\n".join(problems)
