"""The production topology on this machine (deploy/topology.py): PostgreSQL, Redis, moto for S3,
two web hosts each with its own index and index worker, a job worker, nginx in front.

A material uploaded through host A is searchable on host B within seconds; work saved on A is
visible on B; with host A stopped, nginx keeps serving from B."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

# The whole production topology (about a minute; the second test follows the first): a slow
# proof, run by `make slow-proofs` in CI after `make test`.
pytestmark = pytest.mark.slow_proof
ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("portal_topology", ROOT / "deploy" / "topology.py")
topology = importlib.util.module_from_spec(_spec)
sys.modules["portal_topology"] = topology   # dataclasses look their module up
_spec.loader.exec_module(topology)

WORD = "zanzibarite"   # a word spoken only in this test's subtitles


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TOPOLOGY TEST SKIPPED: it needs PostgreSQL (set TEST_DATABASE_URL)")
    if not _listening(6379):
        pytest.skip("TOPOLOGY TEST SKIPPED: no Redis on 127.0.0.1:6379")
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        pytest.skip("TOPOLOGY TEST SKIPPED: nginx is not installed (apt-get install nginx)")
    t = topology.start(tmp_path_factory.mktemp("topology"), base)
    yield t
    t.stop()


def _session(base_url: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base_url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = s.post(base_url + "/login", data={"email": email, "password": password,
                                          "csrf_token": token}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 302, r.text[:500]
    return s


def _token(s: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(url, timeout=10).text
                     ).group(1)


VTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWelcome to the river basin workshop.\n\n"
       "00:00:05.000 --> 00:00:09.000\nThe %s method keeps the canals clean.\n" % WORD)


def test_material_uploaded_on_a_is_searchable_on_b_within_seconds(topo):
    host_a, host_b = topo.hosts
    password = topo.env["DEMO_PASSWORD"]
    s = _session(host_a.url, "tanaka@demo.example.org", password)
    token = _token(s, host_a.url + "/library/new")
    r = s.post(host_a.url + "/library/new", data={
        "csrf_token": token, "kind": "video", "title_en": "River basin workshop",
        "visibility": "public", "audio_language": "en", "year": "2024"},
        files={"subtitles_en": ("workshop.en.vtt", VTT.encode(), "text/vtt")},
        timeout=30, allow_redirects=False)
    assert r.status_code == 302, r.text[:2000]
    saved = time.monotonic()
    while True:
        found = requests.get(host_b.url + "/api/v1/library/search", params={"q": WORD},
                             timeout=10).json()
        if found["total"]:
            break
        assert time.monotonic() - saved < 15, "not searchable on host B after 15 s"
        time.sleep(0.25)
    hit = found["results"][0]
    assert hit["title"] == "River basin workshop"
    assert hit["moments"] and hit["moments"][0]["start_ms"] == 5000


def test_work_saved_on_a_is_visible_on_b(topo):
    host_a, host_b = topo.hosts
    password = topo.env["DEMO_PASSWORD"]
    on_a = _session(host_a.url, "aminata@demo.example.org", password)
    listing = on_a.get(host_a.url + "/assignments", timeout=10).text
    assignment = re.search(r'href="/assignments/(\d+)"', listing).group(1)
    url = "/assignments/%s" % assignment
    text = "Rapport pays du Sénégal, brouillon %d" % time.time_ns()
    r = on_a.post(host_a.url + url, data={"csrf_token": _token(on_a, host_a.url + url),
                                          "text": text, "action": "draft"}, timeout=30,
                  allow_redirects=False)
    assert r.status_code == 302, r.text[:1000]
    on_b = _session(host_b.url, "aminata@demo.example.org", password)
    assert text in on_b.get(host_b.url + url, timeout=10).text


def test_stopping_host_a_leaves_b_serving_through_nginx(topo):
    host_a, host_b = topo.hosts
    topo.stop_host(host_a)
    assert not _listening(host_a.port)
    for _ in range(6):  # nginx moves on to B for every request
        health = requests.get(topo.balancer_url + "/healthz", timeout=10)
        assert health.status_code == 200, health.text
    s = _session(topo.balancer_url, "coordinator@demo.example.org", topo.env["DEMO_PASSWORD"])
    assert s.get(topo.balancer_url + "/dashboard", timeout=10).status_code == 200
    assert requests.get(topo.balancer_url + "/api/v1/library/search", params={"q": WORD},
                        timeout=10).json()["total"] >= 1
