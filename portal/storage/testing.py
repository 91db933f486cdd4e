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
    """moto's threaded S3 server on 127.0.0.1, on a port the kernel picks at the first start (so
    parallel test workers never race for one). It can be stopped and started again on the same
    port; moto keeps its state in the process, so nothing stored is lost."""

    def __init__(self, port: int = 0):
        self.port = port
        self._server = None

    @property
    def endpoint(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def start(self) -> MotoServer:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
