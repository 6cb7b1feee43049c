"""Shared fixtures: a moto server that boto3 talks to exactly as to AWS (tests never mock boto3 itself)."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class MotoServer:
    """A running moto server: ``url`` for ``endpoint_url=``, fake credentials, and a fresh boto3 session."""

    url: str
    region: str = "us-east-1"
    access_key: str = "AKIAIOSFODNN7EXAMPLE"
    secret_key: str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    def session(self) -> Any:
        import boto3

        return boto3.Session(
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key, region_name=self.region
        )

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.url)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """moto in server mode on 127.0.0.1 (a free port), for the whole session; state machines really execute
    (moto's ``execute_state_machine``), and Lambda and Batch run without Docker."""
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    body = json.dumps(
        {
            "stepfunctions": {"execute_state_machine": True},
            "lambda": {"use_docker": False},
            "batch": {"use_docker": False},
        }
    ).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/config", data=body, method="POST")).read()
    try:
        yield MotoServer(url=url)
    finally:
        server.stop()
