"""Readiness for load balancers and the admins' status page."""
import pytest


def test_readyz_is_ready_on_a_fresh_portal(client, login_as):
    response = client.get("/readyz")
    assert response.status_code == 200
    # Issue 16: anyone learns ready or not; the checks (index lag numbers) are for admins only.
    assert response.get_json() == {"status": "ready"}
    for role in ("participant", "coordinator"):
        other, _ = login_as(role)
        assert other.get("/readyz").get_json() == {"status": "ready"}
    admin, _ = login_as("admin")
    data = admin.get("/readyz").get_json()
    assert data["status"] == "ready" and data["checks"]["search_index"]["pending"] == 0


def test_readyz_says_not_ready_when_the_index_lags(app, client, login_as):
    app.config["READY_MAX_INDEX_LAG"] = -1   # any lag at all is too much
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready"}
    admin, _ = login_as("admin")
    assert admin.get("/readyz").get_json()["checks"]["search_index"]["ok"] is False


def test_admin_status_page_shows_components_jobs_and_errors(app, login_as):
    @app.route("/boom-status")
    def boom():
        raise RuntimeError("counted")
    boom.access = frozenset({"public"})
    app.test_client().get("/boom-status")
    admin, _ = login_as("admin", language="fr")
    page = admin.get("/admin/status").get_data(as_text=True)
    assert "État du portail" in page and "Base de données" in page
    assert "Les tâches s'exécutent dans le processus web" in page
    assert "erreur du serveur" in page or "erreurs du serveur" in page


@pytest.mark.parametrize("role", ["participant", "instructor", "coordinator"])
def test_status_page_is_for_admins_only(login_as, role):
    c, _ = login_as(role)
    assert c.get("/admin/status").status_code == 403
