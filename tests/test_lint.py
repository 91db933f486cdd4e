"""The code passes ruff: rules and scope in pyproject.toml, `make lint` runs the same check."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                           *paths], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_tests_benchmarks_and_deployment_pass_ruff():
    out = _ruff("tests", "bench", "deploy", "wsgi.py", "gunicorn.conf.py")
    assert out.returncode == 0, out.stdout + out.stderr


def test_application_code_passes_ruff():
    out = _ruff("portal", "media_index")
    assert out.returncode == 0, out.stdout + out.stderr
