"""A private package index for tests: pypiserver on loopback, with credentials.

It asks for credentials on every request and never falls back to public PyPI.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "ci-uploader", "e2e-s3cret-token"


@dataclass(frozen=True)
class PrivateIndex:
    port: int
    packages: Path
    log: Path

    @property
    def upload_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    @property
    def simple_url_with_credentials(self) -> str:
        return f"http://{USER}:{PASSWORD}@127.0.0.1:{self.port}/simple/"


def get(url: str, authenticated: bool) -> int:
    request = urllib.request.Request(url)
    if authenticated:
        token = b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def serve_private_index(root: Path) -> Iterator[PrivateIndex]:
    """pypiserver on loopback in ``root``: auth for upload, download and list; no fallback
    to PyPI. Stopped on exit."""
    with warnings.catch_warnings():  # passlib imports the deprecated crypt module
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

    packages = root / "packages"
    packages.mkdir()
    htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True, default_scheme="apr_md5_crypt")
    htpasswd.set_password(USER, PASSWORD)
    htpasswd.save()
    index = PrivateIndex(free_port(), packages, root / "server.log")
    with index.log.open("w") as log:
        address = ["-i", "127.0.0.1", "-p", str(index.port)]
        auth = ["-a", "update,download,list", "-P", str(root / "htpasswd")]
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "pypiserver", "run"),
                *address,
                *auth,
                *("--disable-fallback", str(packages)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, index)
        yield index
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not port_is_open(index.port)


def _wait_until_serving(server: subprocess.Popen[bytes], index: PrivateIndex) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"pypiserver exited with {server.returncode}:\n{index.log.read_text()}")
        if port_is_open(index.port) and get(index.simple_url, authenticated=True) == 200:
            return
        time.sleep(0.2)
    pytest.fail(f"pypiserver did not start within 60 s:\n{index.log.read_text()}")
