"""With REDIS_URL set, login limits are shared by every worker (here: two separate apps)."""
import socket
import uuid

import pytest

from portal.app import create_app
from portal.config import load_config

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(REDIS) == 0


pytestmark = pytest.mark.skipif(not _redis_up(),
                                reason="REDIS TESTS SKIPPED: no Redis on 127.0.0.1:6379")


def test_redis_url_puts_rate_limit_counters_in_redis(tmp_path):
    conf = load_config(tmp_path, {"REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "k"})
    assert conf["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_limit_holds_across_workers(database_url, tmp_path):
    # One Limiter serves the process (its key prefix is fixed by the first app): a unique
    # account keeps this test's counters apart from any other run's.
    email = "target-%s@example.org" % uuid.uuid4().hex[:12]
    apps = []
    for n in range(2):
        app = create_app({"TESTING": True, "SECRET_KEY": "k",
                          "INSTANCE_PATH": str(tmp_path / str(n)),
                          "SQLALCHEMY_DATABASE_URI": database_url,
                          "STORAGE_URL": "file://" + str(tmp_path / "storage"),
                          "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                          "LOGIN_LIMIT_PER_ACCOUNT": "4 per 15 minutes"})
        apps.append(app)
    from portal.auth import services
    from portal.extensions import db
    with apps[0].app_context():
        services.create_user(email, "Target", "participant",
                             password="the right password")
        db.session.commit()
    try:
        codes = []
        for attempt in range(6):
            client = apps[attempt % 2].test_client()   # alternate "workers"
            client.get("/login")
            import re
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                              client.get("/login").get_data(as_text=True)).group(1)
            codes.append(client.post("/login", data={"email": email,
                                                     "password": "wrong", "csrf_token": token}
                                     ).status_code)
        assert codes[:4] == [401] * 4 and codes[4:] == [429, 429]
    finally:
        with apps[0].app_context():
            from portal.auth.models import User
            db.session.query(User).delete()
            db.session.commit()
            db.engine.dispose()
        import redis
        r = redis.Redis(*REDIS)
        for key in r.scan_iter("*" + email + "*"):
            r.delete(key)
