"""Answering the second step of the sign-in in tests, as a person with the app would.

Admins and coordinators must use two-step sign-in, so the test accounts of those roles are
enrolled with a known secret (``make_user`` gives them ``TEST_SECRET``; the demo's staff have
``portal.demo.DEMO_TOTP_SECRET``) and the sign-in helpers type the code pyotp computes. A code is
accepted once per 30-second step (within one step of drift either way), so a helper that signs
the same account in again picks the next step not used yet. When none is left, the test client's
helper (``answer``) makes the next 30 seconds come at once: it forgets the account's last used
step in the database, as the portal would after that time (the replay rule itself is tried in
tests/foundation/test_two_step.py with codes of its own). The browser helper, which has no
database at hand, waits.
"""
from __future__ import annotations

import re
import threading
import time

import pyotp

TEST_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = 30
IN_FLIGHT = 10   # seconds a code may take to reach the portal on a saturated machine
CHALLENGE = "/login/two-step"

_used: dict[str, int] = {}   # account -> last step this process answered with
_lock = threading.Lock()


def code(secret: str, account: str, last_step: int | None = None) -> str:
    """A code for ``secret`` the portal has not seen for ``account`` yet."""
    with _lock:
        while True:
            clock = time.time()
            now = int(clock) // STEP
            floor = max(last_step if last_step is not None else -1, _used.get(account, -1))
            # The previous step's code stops being good when this step ends: not in its last
            # seconds, or a busy machine makes the portal see it a step too late.
            late = clock % STEP > STEP - IN_FLIGHT
            step = max(now if late else now - 1, floor + 1)
            if step <= now + 1:
                _used[account] = step
                return pyotp.TOTP(secret).at(step * STEP)
            time.sleep(STEP - time.time() % STEP + 0.2)


def answer(client, response, secret: str = TEST_SECRET, account: str = ""):
    """If ``response`` sends the client to the second step, type the code there."""
    if response.status_code != 302 or not response.headers["Location"].endswith(CHALLENGE):
        return response
    last = _last_step(client.application, account)
    now = int(time.time()) // STEP
    if max(last if last is not None else -1, _used.get(account, -1)) >= now + 1:
        _forget_steps(client.application, account)  # the next window, without the wait
        last = None
    page = client.get(CHALLENGE).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(CHALLENGE, data={"csrf_token": token,
                                        "code": code(secret, account, last)})


def _last_step(app, email: str) -> int | None:
    from sqlalchemy import func, select

    from portal.auth.models import User
    from portal.extensions import db
    with app.app_context():
        return db.session.scalar(select(User.totp_last_step).where(
            func.lower(User.email) == email.lower()))


def _forget_steps(app, email: str) -> None:
    from sqlalchemy import func, update

    from portal.auth.models import User
    from portal.extensions import db
    with app.app_context():
        db.session.execute(update(User).where(func.lower(User.email) == email.lower())
                           .values(totp_last_step=None))
        db.session.commit()
    with _lock:
        _used.pop(email, None)


def answer_page(page, secret: str, account: str) -> None:
    """Playwright, just after the password was sent: if the second step is asked, type the
    code and send it."""
    page.wait_for_url(re.compile(r"^(?!.*/login(\?.*)?$).*$"))   # away from the password
    if not re.search(re.escape(CHALLENGE) + r"(\?|$)", page.url):
        return
    page.fill("input[name=code]", code(secret, account))
    page.click("main button[type=submit]")
