"""The upload widget's side of the protocol, for domain tests: send a small file in parts and
complete it, naming the form it belongs to as static/js/uploader.js does (``data-form``)."""
from __future__ import annotations


def send_with_widget(client, data: bytes, name: str, purpose: str, form: str | None = None):
    """Upload ``data`` through the protocol and complete it; the completion's response."""
    headers = {"X-CSRFToken": client.csrf_token("/"), "Accept": "application/json"}
    created = client.post("/uploads", json={"name": name, "size": len(data), "purpose": purpose},
                          headers=headers)
    assert created.status_code == 201, created.get_json()
    upload = created.get_json()
    size = upload["part_size"]
    for n in range(1, upload["part_count"] + 1):
        target = client.get("/uploads/%s/parts/%d" % (upload["id"], n), headers=headers)
        sent = client.put(target.get_json()["url"], data=data[(n - 1) * size:n * size],
                          headers={**headers, "Content-Type": "application/octet-stream"})
        assert sent.status_code == 200, sent.get_json()
    return client.post("/uploads/%s/complete" % upload["id"],
                       json={"form": form} if form else None, headers=headers)
