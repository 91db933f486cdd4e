"""One configuration table (issue 14.4): every setting is read from the environment in
``portal/config.py``, typed, defaulted and checked; production refuses an unsafe or incomplete
configuration with one message; ``flask config show`` masks secrets; the README's table is the
code's."""
from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest

from portal.app import create_app
from portal.config import MASK, SETTINGS, ConfigError, load_config, markdown_table

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 40,
              "PUBLIC_URL": "https://portal.example.org", "MAIL_URL": "smtp://mail:25"}

# variable -> (text in the environment, the value the app gets, under which Flask key)
EXAMPLES = {
    "PORTAL_ENV": ("testing", "testing", "PORTAL_ENV"),
    "PORTAL_INSTANCE_DIR": ("{tmp}/elsewhere", "{tmp}/elsewhere", "INSTANCE_PATH"),
    "SECRET_KEY": ("k" * 64, "k" * 64, "SECRET_KEY"),
    "PUBLIC_URL": ("https://portal.example.org/", "https://portal.example.org", "PUBLIC_URL"),
    "DATABASE_URL": ("postgresql+psycopg://u:p@db/portal", "postgresql+psycopg://u:p@db/portal",
                     "SQLALCHEMY_DATABASE_URI"),
    "STORAGE_URL": ("s3://bucket/prefix", "s3://bucket/prefix", "STORAGE_URL"),
    "SEARCH_INDEX_DIR": ("/var/index", "/var/index", "SEARCH_INDEX_DIR"),
    "REDIS_URL": ("redis://cache:6379/0", "redis://cache:6379/0", "REDIS_URL"),
    "JOBS_QUEUE": ("topology-1", "topology-1", "JOBS_QUEUE"),
    "JOBS_SWEEP_INTERVAL": ("30", 30.0, "JOBS_SWEEP_INTERVAL"),
    "MAIL_URL": ("smtps://u:p@mail:465", "smtps://u:p@mail:465", "MAIL_URL"),
    "MAIL_FROM": ("Portal <p@example.org>", "Portal <p@example.org>", "MAIL_FROM"),
    "MAIL_TIMEOUT": ("5s", 5.0, "MAIL_TIMEOUT"),
    "MAIL_RETRY_FIRST": ("2m", 120.0, "MAIL_RETRY_FIRST"),
    "MAIL_RETRY_MAX": ("2h", 7200.0, "MAIL_RETRY_MAX"),
    "MAIL_MAX_ATTEMPTS": ("12", 12, "MAIL_MAX_ATTEMPTS"),
    "MAX_CONTENT_LENGTH": ("128MiB", 128 * MiB, "MAX_CONTENT_LENGTH"),
    "UPLOAD_PART_SIZE": ("8 MiB", 8 * MiB, "UPLOAD_PART_SIZE"),
    "UPLOAD_FORM_MAX": ("1000000", 1_000_000, "UPLOAD_FORM_MAX"),
    "READY_MAX_INDEX_LAG": ("50", 50, "READY_MAX_INDEX_LAG"),
    "TRUSTED_PROXIES": ("1", 1, "TRUSTED_PROXIES"),
    "LOGIN_LIMIT_PER_ACCOUNT": ("5 per minute", "5 per minute", "LOGIN_LIMIT_PER_ACCOUNT"),
    "LOGIN_LIMIT_PER_ADDRESS": ("100 per hour", "100 per hour", "LOGIN_LIMIT_PER_ADDRESS"),
    "PASSWORD_HASHING": ("cheapest", "cheapest", "PASSWORD_HASHING"),
    "S3_ENDPOINT_URL": ("http://minio:9000", "http://minio:9000", "S3_ENDPOINT_URL"),
    "S3_PUBLIC_ENDPOINT_URL": ("https://files.example.org", "https://files.example.org",
                               "S3_PUBLIC_ENDPOINT_URL"),
    "S3_REGION": ("garage", "garage", "S3_REGION"),
    "S3_ADDRESSING_STYLE": ("path", "path", "S3_ADDRESSING_STYLE"),
    "AWS_ACCESS_KEY_ID": ("AKIA1", "AKIA1", "AWS_ACCESS_KEY_ID"),
    "AWS_SECRET_ACCESS_KEY": ("shh", "shh", "AWS_SECRET_ACCESS_KEY"),
    "S3_CONNECT_TIMEOUT": ("1.5s", 1.5, "S3_CONNECT_TIMEOUT"),
    "S3_READ_TIMEOUT": ("1m", 60.0, "S3_READ_TIMEOUT"),
    "S3_MAX_ATTEMPTS": ("3", 3, "S3_MAX_ATTEMPTS"),
    "S3_COMPLETE_TIMEOUT": ("90", 90.0, "S3_COMPLETE_TIMEOUT"),
    "ASR_MODEL": ("/models/whisper-small", "/models/whisper-small", "ASR_MODEL"),
    "ASR_MODEL_DIR": ("/var/asr", "/var/asr", "ASR_MODEL_DIR"),
    "ASR_COMPUTE_TYPE": ("int8_float32", "int8_float32", "ASR_COMPUTE_TYPE"),
    "ASR_THREADS": ("3", 3, "ASR_THREADS"),
    "ASR_BEAM_SIZE": ("5", 5, "ASR_BEAM_SIZE"),
    "PDF_FONT": ("/fonts/a.ttf", "/fonts/a.ttf", "PDF_FONT"),
    "TRAINING_CENTERS": ("Tokyo, Kansai", ("Tokyo", "Kansai"), "TRAINING_CENTERS"),
    "DEMO_PASSWORD": ("demo pass", "demo pass", "DEMO_PASSWORD"),
    "TRUSTED_HOSTS": ("portal.example.org, .example.net", ("portal.example.org", ".example.net"),
                      "TRUSTED_HOSTS"),
}


def test_every_setting_has_an_example_here():
    assert set(EXAMPLES) == {setting.env for setting in SETTINGS}


@pytest.mark.parametrize("env", sorted(EXAMPLES))
def test_each_setting_is_read_from_the_environment_typed(tmp_path, env):
    text, value, key = (item.format(tmp=tmp_path) if isinstance(item, str) else item
                        for item in EXAMPLES[env])
    conf = load_config(None, {"SECRET_KEY": "k" * 64, "PORTAL_INSTANCE_DIR": str(tmp_path),
                              env: text})
    assert conf[key] == value and type(conf[key]) is type(value)
    assert conf["CONFIG_SOURCES"][env] == "environment"


def test_documented_settings_reach_the_app_and_the_storage(tmp_path, monkeypatch):
    """UPLOAD_PART_SIZE, UPLOAD_FORM_MAX, READY_MAX_INDEX_LAG and S3_* used to be ignored."""
    for name, text in {"PORTAL_INSTANCE_DIR": str(tmp_path), "UPLOAD_PART_SIZE": "16MiB",
                       "UPLOAD_FORM_MAX": "1MiB", "READY_MAX_INDEX_LAG": "7",
                       "STORAGE_URL": "s3://bucket/prefix", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
                       "S3_PUBLIC_ENDPOINT_URL": "http://files.test:9", "S3_REGION": "garage",
                       "S3_CONNECT_TIMEOUT": "1", "S3_READ_TIMEOUT": "3",
                       "S3_MAX_ATTEMPTS": "5", "S3_COMPLETE_TIMEOUT": "90",
                       "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "key"}.items():
        monkeypatch.setenv(name, text)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db")})
    assert app.instance_path == str(tmp_path.resolve())
    assert (app.config["UPLOAD_PART_SIZE"], app.config["UPLOAD_FORM_MAX"],
            app.config["READY_MAX_INDEX_LAG"]) == (16 * MiB, MiB, 7)
    store = app.extensions["storage"]
    client = store.client.meta
    assert client.endpoint_url == "http://127.0.0.1:9" and client.region_name == "garage"
    assert (client.config.connect_timeout, client.config.read_timeout) == (1.0, 3.0)
    assert client.config.retries["total_max_attempts"] == 5
    assert store.joiner.meta.config.read_timeout == 90
    assert store.browser_origin == "http://files.test:9"
    with app.test_request_context():
        from portal.uploads.services import part_size_for
        assert part_size_for(100 * MiB) == 16 * MiB


def test_defaults_are_typed_and_computed_from_the_instance(tmp_path):
    conf = load_config(tmp_path, {})
    assert conf["SQLALCHEMY_DATABASE_URI"] == "sqlite:///%s" % (tmp_path / "portal.sqlite3")
    assert conf["STORAGE_URL"] == "file://%s" % (tmp_path / "storage")
    assert conf["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert (conf["UPLOAD_PART_SIZE"], conf["UPLOAD_FORM_MAX"], conf["MAX_CONTENT_LENGTH"]) == (
        5 * MiB, 32 * MiB, 64 * MiB)
    assert conf["READY_MAX_INDEX_LAG"] == 200 and conf["S3_COMPLETE_TIMEOUT"] == 600
    assert set(conf["CONFIG_SOURCES"].values()) == {"default", "create_app"}  # instance given
    assert load_config(tmp_path, {"REDIS_URL": ""})["REDIS_URL"] is None  # empty is unset


def test_connections_are_checked_before_use_only_where_they_can_drop(tmp_path):
    """A server's connection can drop (restart, failover); a SQLite file's cannot, and the
    check would be one statement more on every request."""
    embedded = load_config(tmp_path, {})
    server = load_config(tmp_path, {"DATABASE_URL": "postgresql+psycopg://u:p@db/portal"})
    assert embedded["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": False}
    assert server["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


@pytest.mark.parametrize("env,text,expected", [
    ("UPLOAD_PART_SIZE", "five megs", "a size in bytes, or with a unit"),
    ("UPLOAD_PART_SIZE", "1MiB", "at least 5 MiB, the S3 minimum"),
    ("READY_MAX_INDEX_LAG", "lots", "a whole number"),
    ("TRUSTED_PROXIES", "-1", "at least 0"),
    ("S3_COMPLETE_TIMEOUT", "ten minutes", "seconds, or a number with s, m or h"),
    ("S3_ADDRESSING_STYLE", "sideways", "one of path, virtual, auto"),
    ("PORTAL_ENV", "prod", "one of development, testing, production"),
    ("STORAGE_URL", "ftp://host/x", "a URL starting with file:// or s3://"),
    ("MAIL_URL", "mail.example.org", "a URL, scheme://"),
    ("LOGIN_LIMIT_PER_ACCOUNT", "ten a minute", "a rate limit such as"),
    ("MAX_CONTENT_LENGTH", "1MiB", "UPLOAD_PART_SIZE (5 MiB) must fit in MAX_CONTENT_LENGTH"),
])
def test_a_bad_value_is_one_clear_error(tmp_path, env, text, expected):
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, {"SECRET_KEY": "k" * 64, env: text})
    message = str(refused.value)
    assert env in message and expected in message and "1 problem" in message


def test_every_wrong_value_is_listed_at_once_and_passwords_are_not(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, {"UPLOAD_FORM_MAX": "big", "S3_MAX_ATTEMPTS": "0",
                               "DATABASE_URL": "nonsense", "REDIS_URL": "http://u:hunter2@x"})
    message = str(refused.value)
    assert "4 problem" in message
    assert all(name in message for name in ("UPLOAD_FORM_MAX=big", "S3_MAX_ATTEMPTS=0",
                                            "DATABASE_URL=nonsense", "REDIS_URL="))
    assert "hunter2" not in message


def test_production_refuses_an_incomplete_configuration_listing_every_problem(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, {"PORTAL_ENV": "production", "PASSWORD_HASHING": "cheapest"})
    message = str(refused.value)
    assert "PORTAL_ENV=production" in message and "4 problem" in message
    for problem in ("SECRET_KEY: required outside development", "PUBLIC_URL: required",
                    "MAIL_URL: required in production", "MAIL_URL=log://",
                    "PASSWORD_HASHING=cheapest is for test suites, never production"):
        assert problem in message
    assert not (tmp_path / "secret_key").exists()  # none is made up outside development


@pytest.mark.parametrize("changes,problem", [
    ({"SECRET_KEY": "short"}, "SECRET_KEY: too short for production, at least 32"),
    ({"PUBLIC_URL": "http://portal.example.org"}, "must be https:// in production"),
    ({"MAIL_URL": ""}, "MAIL_URL: required in production"),
])
def test_production_refuses_each_unsafe_setting(tmp_path, changes, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_config(tmp_path, {**PRODUCTION, **changes})


def test_a_complete_production_configuration_starts(tmp_path):
    conf = load_config(tmp_path, PRODUCTION)
    assert conf["SESSION_COOKIE_SECURE"] and conf["PREFERRED_URL_SCHEME"] == "https"
    # deliberate choices are accepted: mail to the log, plain http on this machine
    load_config(tmp_path, {**PRODUCTION, "MAIL_URL": "log://", "PUBLIC_URL": "http://127.0.0.1"})
    assert load_config(tmp_path, {**PRODUCTION, "PUBLIC_URL": "http://localhost:8000"})


def test_create_app_refuses_production_with_its_own_settings_included(tmp_path, monkeypatch):
    """The factory's settings count: production given to create_app is checked too."""
    for name in ("PORTAL_ENV", "SECRET_KEY", "PUBLIC_URL", "MAIL_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL: required in production"):
        create_app({"PORTAL_ENV": "production", "SECRET_KEY": "x" * 32,
                    "INSTANCE_PATH": str(tmp_path)})


def test_mail_url_log_writes_mail_to_the_log(app, caplog, monkeypatch):
    from portal import jobs
    from portal.extensions import db
    from portal.mail import OutboxMail, send_mail
    monkeypatch.setitem(app.config, "MAIL_URL", "log://")
    with app.test_request_context(), caplog.at_level(logging.INFO, "portal.mail"):
        send_mail("someone@example.org", "password_reset", "en",
                  user=type("U", (), {"name": "Ana"})(), link="http://portal.test/log-body")
        jobs.commit()
        assert db.session.scalar(db.select(OutboxMail.state)) == "sent"  # on purpose
    assert "someone@example.org" in caplog.text and "http://portal.test/log-body" in caplog.text


def test_config_show_prints_every_setting_with_secrets_masked(app, runner, monkeypatch):
    for key, value in {"SECRET_KEY": "the-secret-key-value", "AWS_SECRET_ACCESS_KEY": "aws-shh",
                       "DEMO_PASSWORD": "demo-shh",
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal:db-shh@db/p",
                       "MAIL_URL": "smtp://me:mail-shh@mail:587?starttls=1",
                       "REDIS_URL": "redis://:redis-shh@cache:6379/0"}.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config["CONFIG_SOURCES"], "UPLOAD_PART_SIZE", "environment")
    result = runner.invoke(args=["config", "show"])
    assert result.exit_code == 0, result.output
    for secret in ("the-secret-key-value", "aws-shh", "demo-shh", "db-shh", "mail-shh",
                   "redis-shh"):
        assert secret not in result.output
    lines = {line.split()[0]: line.split(None, 2)[1:] for line in result.output.splitlines()}
    assert set(lines) == {setting.env for setting in SETTINGS}
    assert lines["SECRET_KEY"] == ["create_app", MASK]
    assert lines["DATABASE_URL"] == ["create_app", "postgresql+psycopg://portal:%s@db/p" % MASK]
    assert lines["MAIL_URL"][1] == "smtp://me:%s@mail:587?starttls=1" % MASK
    assert lines["UPLOAD_PART_SIZE"] == ["environment", "5 MiB"]
    assert lines["READY_MAX_INDEX_LAG"] == ["default", "200"]


def test_readme_table_is_the_code_table():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.MULTILINE))
    in_code = {setting.env for setting in SETTINGS}
    assert documented == in_code, ("only in the README: %s; only in the code: %s"
                                   % (documented - in_code, in_code - documented))
    assert markdown_table() in readme, "paste `flask --app wsgi config table` into README.md"


def test_nothing_else_reads_the_environment():
    found = subprocess.run(["grep", "-rnE", r"os\.environ|getenv", "portal", "media_index",
                            "wsgi.py", "--include=*.py"], cwd=ROOT, capture_output=True,
                           text=True, check=False).stdout.splitlines()
    assert [line for line in found if not line.startswith("portal/config.py:")] == []
