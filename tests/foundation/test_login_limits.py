"""Issue 16.5 and the sign-in limits: one reading of the account for form and JSON bodies, each
account its own bucket; only failures count; a browser that signed in to the account before
(a signed device cookie, OWASP's advice) is not locked out by a stranger's guesses; a training
centre's shared address where people sign in correctly is never blocked."""
import json

from tests.conftest import DEMO_PASSWORD, Auth


def _json_login(client, email, password):
    token = client.csrf_token("/login")
    return client.post("/login", data=json.dumps({"email": email, "password": password}),
                       content_type="application/json", headers={"X-CSRFToken": token})


def test_a_json_body_counts_against_the_same_account(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    target, other = make_user(), make_user()
    auth = Auth(client)
    assert auth.login(target.email, "wrong 1").status_code == 401
    assert _json_login(client, target.email, "wrong 2").status_code == 401
    assert _json_login(client, target.email.upper(), "wrong 3").status_code == 401
    assert _json_login(client, target.email, "wrong 4").status_code == 429
    assert auth.login(target.email, "wrong 5").status_code == 429
    # JSON attempts on another account are that account's own, not one shared bucket
    assert _json_login(client, other.email, "wrong").status_code == 401
    assert _json_login(app.test_client(), other.email, DEMO_PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    coordinator = make_user("coordinator")
    for _ in range(12):   # a coordinator signing in all day, on fresh browsers: the password
        response = Auth(app.test_client()).login(coordinator.email, second_step=False)
        assert response.status_code == 302   # right each time (the second step comes next)


def test_a_training_centre_of_50_people_is_never_blocked(app, make_user):
    """One address (the centre's NAT), 50 people each on a phone and a laptop, a few typos:
    the default limits never refuse a correct sign-in."""
    people = [make_user() for _ in range(50)]
    codes = []
    for n, person in enumerate(people):
        for _device in ("phone", "laptop"):
            browser = Auth(app.test_client())
            if n % 5 == 0:
                codes.append(("typo", browser.login(person.email, "typo").status_code))
            codes.append(("ok", browser.login(person.email).status_code))
    assert {code for kind, code in codes if kind == "ok"} == {302}
    assert {code for kind, code in codes if kind == "typo"} == {401}


def test_a_strangers_guesses_do_not_lock_the_owner_out_of_a_known_browser(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per 15 minutes"
    owner = make_user()
    laptop = app.test_client()
    assert Auth(laptop).login(owner.email).status_code == 302
    assert any(c.key.startswith("portal_device_") for c in laptop._cookies.values())
    Auth(laptop).logout()
    stranger = Auth(app.test_client())
    codes = [stranger.login(owner.email, "guess %d" % n).status_code for n in range(8)]
    assert codes == [401] * 5 + [429] * 3
    # a browser the owner never used waits, like the stranger...
    assert Auth(app.test_client()).login(owner.email).status_code == 429
    # ...but the laptop they signed in from before signs in
    assert Auth(laptop).login(owner.email).status_code == 302


def test_a_known_browser_has_its_own_limit_and_its_cookie_is_for_one_account(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    owner, other = make_user(), make_user()
    laptop = app.test_client()
    assert Auth(laptop).login(owner.email).status_code == 302
    Auth(laptop).logout()
    codes = [Auth(laptop).login(owner.email, "typo %d" % n).status_code for n in range(4)]
    assert codes == [401] * 3 + [429]
    # the laptop's cookie is owner's: it does not lift other's untrusted limit
    for n in range(3):
        assert Auth(app.test_client()).login(other.email, "guess %d" % n).status_code == 401
    assert Auth(laptop).login(other.email).status_code == 429


def test_a_tampered_device_cookie_is_not_trusted(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    owner = make_user()
    laptop = app.test_client()
    Auth(laptop).login(owner.email)
    Auth(laptop).logout()
    [cookie] = [c for c in laptop._cookies.values() if c.key.startswith("portal_device_")]
    for n in range(2):
        Auth(app.test_client()).login(owner.email, "guess %d" % n)
    forger = app.test_client()
    forger.set_cookie(cookie.key, cookie.value[:-2] + "xx", path="/login")
    assert Auth(forger).login(owner.email).status_code == 429
