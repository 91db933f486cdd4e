"""Admin pages, commands, mail, configuration and migrations."""
import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.courses.models import Course, Enrollment
from portal.extensions import db


def test_admin_lists_and_searches_users(login_as, make_user):
    admin, _ = login_as("admin")
    make_user(name="Aminata Diallo", email="aminata@example.org")
    make_user(name="Carlos Mendoza", email="carlos@example.org")
    page = admin.get("/admin/users?q=amin").get_data(as_text=True)
    assert "Aminata Diallo" in page and "Carlos Mendoza" not in page
    page = admin.get("/admin/users?q=%25").get_data(as_text=True)   # a literal %, not a wildcard
    assert "Aminata Diallo" not in page
    page = admin.get("/admin/users?role=admin").get_data(as_text=True)
    assert "Carlos Mendoza" not in page


def test_admin_changes_a_role(app, login_as, make_user):
    admin, _ = login_as("admin")
    person = make_user()
    response = admin.submit("/admin/users/%d" % person.id, {"role": "instructor"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id).role == "instructor"


def test_admin_cannot_set_an_unknown_role_or_demote_self(app, login_as):
    admin, me = login_as("admin")
    assert admin.submit("/admin/users/%d" % me.id, {"role": "superuser"}).status_code == 400
    assert admin.submit("/admin/users/%d" % me.id, {"role": "participant"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, me.id).role == "admin"


def test_deactivation_ends_sessions_and_blocks_sign_in(app, login_as, auth):
    admin, _ = login_as("admin")
    victim, person = login_as("participant")
    response = admin.submit("/admin/users/%d/active" % person.id, {"active": "0"},
                            page="/admin/users/%d" % person.id)
    assert response.status_code == 302
    assert victim.get("/dashboard").status_code == 302
    assert auth.login(person.email).status_code == 401
    admin.submit("/admin/users/%d/active" % person.id, {"active": "1"},
                 page="/admin/users/%d" % person.id)
    assert auth.login(person.email).status_code == 302


def test_unknown_user_id_is_404(login_as):
    admin, _ = login_as("admin")
    assert admin.get("/admin/users/999999").status_code == 404


def test_create_user_with_password_prompt(app, runner, auth):
    result = runner.invoke(args=["create-user", "kenji@example.org", "--role", "coordinator"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert auth.login("kenji@example.org", "a long enough password").status_code == 302


def test_create_user_refuses_short_password_and_duplicates(runner, make_user):
    result = runner.invoke(args=["create-user", "x@example.org"], input="short\nshort\n")
    assert result.exit_code != 0 and "12" in result.output
    existing = make_user()
    result = runner.invoke(args=["create-user", existing.email])
    assert result.exit_code != 0 and "exists" in result.output


def test_create_user_with_invitation(runner, mailbox):
    result = runner.invoke(args=["create-user", "lan@example.org", "--invite",
                                 "--language", "fr"])
    assert result.exit_code == 0, result.output
    [message] = mailbox.to("lan@example.org")
    assert "/invitation/" in message.get_content() and message["Subject"].startswith("Votre")


def _counts(app):
    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(m)).scalar()
                     for m in (User, Course, Enrollment))


def test_seed_demo_is_idempotent_and_has_every_kind_of_user(app, runner, auth, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", "demo password for tests")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == counts
    with app.app_context():
        roles = set(db.session.execute(select(User.role)).scalars())
        languages = set(db.session.execute(select(User.language)).scalars())
        countries = set(db.session.execute(select(User.country)).scalars())
        alumni = db.session.execute(select(Enrollment).where(
            Enrollment.status == "completed")).scalars().all()
        phases = {c.phase() for c in db.session.execute(select(Course)).scalars()}
    assert roles == {"admin", "coordinator", "instructor", "participant"}
    assert languages == {"en", "fr", "es"} and len(countries) >= 5
    assert alumni
    assert {"pre-arrival", "post-return", "upcoming"} <= phases
    assert "coordinator@demo.example.org" in first.output
    assert auth.login("aminata@demo.example.org", "demo password for tests").status_code == 302


def test_demo_data_is_consistent_with_its_dates(app, runner, monkeypatch):
    """No plan written before its course began nor after today, no report sent before the
    course ended; no post-return assignment that repeats a plan report (issue 18)."""
    from datetime import UTC, datetime, time

    from portal.action_plans.models import PlanVersion, ProgressReport
    from portal.assignments.models import Assignment
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    now = datetime.now(UTC)
    with app.app_context():
        versions = db.session.execute(select(PlanVersion)).scalars().all()
        assert versions
        for v in versions:
            course = v.plan.enrollment.course
            made = v.created_at.replace(tzinfo=v.created_at.tzinfo or UTC)
            assert datetime.combine(course.arrival, time(0), UTC) <= made <= now, course.code
        for r in db.session.execute(select(ProgressReport)).scalars():
            if r.submitted_at:
                ended = datetime.combine(r.plan.enrollment.course.departure, time(0), UTC)
                assert ended <= r.submitted_at.replace(tzinfo=UTC) <= now
        for a in db.session.execute(select(Assignment).where(
                Assignment.phase == "post-return")).scalars():
            assert a.due_months_after_departure not in a.course.report_months, a.title


def test_mail_is_rendered_in_the_recipients_language(app, mailbox):
    from portal import jobs
    from portal.mail import send_mail
    with app.test_request_context():
        for lang in ("en", "fr", "es"):
            send_mail("someone@example.org", "password_reset", lang,
                      user=type("U", (), {"name": "Ana"})(), link="http://portal.test/x")
        jobs.commit()
    subjects = [m["Subject"] for m in mailbox.to("someone@example.org")]
    assert subjects == ["Reset your portal password",
                        "Réinitialisez le mot de passe de votre portail",
                        "Restablezca la contraseña de su portal"]
    assert "Hola, Ana:" in mailbox.messages[2].get_content()


def test_mail_is_not_sent_when_the_unit_of_work_rolls_back(app, mailbox):
    from portal import jobs
    from portal.mail import send_mail
    with app.test_request_context():
        send_mail("someone@example.org", "password_reset", "en",
                  user=type("U", (), {"name": "Ana"})(), link="http://portal.test/x")
        db.session.rollback()
        jobs.commit()
    assert not mailbox.messages


def test_without_mail_url_mail_goes_to_the_log(app, caplog):
    from portal import jobs
    from portal.mail import send_mail
    app.config["MAIL_URL"] = None
    with app.test_request_context(), caplog.at_level("INFO", logger="portal.mail"):
        send_mail("someone@example.org", "password_reset", "fr",
                  user=type("U", (), {"name": "Ana"})(), link="http://portal.test/x")
        jobs.commit()
    assert "Réinitialisez" in caplog.text


def test_secret_key_required_outside_development(tmp_path):
    from portal.config import ConfigError, load_config
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"PORTAL_ENV": "production"})
    conf = load_config(tmp_path, {})
    assert conf["SECRET_KEY"] == load_config(tmp_path, {})["SECRET_KEY"]  # generated once
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert conf["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert conf["STORAGE_URL"].startswith("file://") and conf["REDIS_URL"] is None


def test_environment_overrides_defaults(tmp_path):
    from portal.config import load_config
    conf = load_config(tmp_path, {"DATABASE_URL": "postgresql+psycopg://u@db/p",
                                  "REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "s",
                                  "STORAGE_URL": "s3://bucket/prefix",
                                  "MAIL_URL": "smtp://mail:25"})
    assert conf["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/p"
    assert conf["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert conf["STORAGE_URL"] == "s3://bucket/prefix" and conf["MAIL_URL"] == "smtp://mail:25"


def test_migrations_match_the_models(app):
    """`flask db check`: the migrated schema (made in conftest) equals the models."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with app.app_context(), db.engine.connect() as conn, warnings.catch_warnings():
        # SQLAlchemy cannot reflect the lower(email) index; it is tested below instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_email_is_unique_whatever_the_case(app, make_user):
    from sqlalchemy.exc import IntegrityError
    make_user(email="Same@Example.org")
    with app.app_context():
        db.session.add(User(email="same@example.org", name="x", role="participant"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_cheapest_password_hashing_is_refused_in_production(tmp_path):
    from portal.config import ConfigError, load_config
    with pytest.raises(ConfigError, match="never production"):
        load_config(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "k",
                               "PASSWORD_HASHING": "cheapest"})
