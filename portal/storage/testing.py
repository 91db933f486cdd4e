"""Helpers for tests and benchmarks: moto's S3 server on a free local port."""
from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_settings(endpoint: str) -> dict:
    """Settings for an S3 backend talking to a local moto server (dummy credentials)."""
    return {"S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1", "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class MotoServer:
    """moto's threaded S3 server on a free port of 127.0.0.1. It can be stopped and started
    again on the same port; moto keeps its state in the process, so nothing stored is lost."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self._server = None

    def start(self) -> "MotoServer":
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
