import json


def test_each_request_is_logged_as_json_with_id_user_and_duration(login_as, caplog):
    c, user = login_as("participant")
    with caplog.at_level("INFO", logger="portal.requests"):
        response = c.get("/dashboard", headers={"X-Request-ID": "proxy-id-12345"})
    assert response.headers["X-Request-ID"] == "proxy-id-12345"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.requests"]
    line = lines[-1]
    assert line["path"] == "/dashboard" and line["status"] == 200
    assert line["user_id"] == user.id and line["request_id"] == "proxy-id-12345"
    assert line["duration_ms"] >= 0


def test_odd_request_ids_are_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32
