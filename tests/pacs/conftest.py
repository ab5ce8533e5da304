"""A real PACS (Orthanc from Debian) on loopback for the DICOM networking tests.

Each server is our own Orthanc process with a generated configuration in a temporary folder, on
random free loopback ports; fixtures stop it (terminate, then kill) also when a test fails. When
Orthanc is not installed the tests skip, except under CI=true or SPINE_PLANNER_REQUIRE_REALDATA=1,
where a missing server is a failure (install it with packaging/install-pacs-server.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from planner.pacs import PacsNode, PacsSettings, Timeouts
from tests.pacs.dicom_factory import make_ct_series

REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("SPINE_PLANNER_REQUIRE_REALDATA") == "1"
LOOPBACK = "127.0.0.1"
ORTHANC_AET = "ORTHANCTEST"
OUR_AET = "PLANNERTEST"
START_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def orthanc_binary() -> str:
    path = shutil.which("Orthanc") or ("/usr/sbin/Orthanc" if os.path.exists("/usr/sbin/Orthanc") else None)
    if path is None:
        reason = ("the test PACS server Orthanc is not installed (run: sudo bash "
                  "packaging/install-pacs-server.sh)")
        if REQUIRED:
            pytest.fail(reason + " - mandatory under CI=true / SPINE_PLANNER_REQUIRE_REALDATA=1")
        pytest.skip(reason)
    return path


class OrthancServer:
    """One Orthanc process on loopback with its own storage, and a tiny REST client for checks."""

    def __init__(self, binary: str, folder: Path, our_port: int):
        self.folder = folder
        self.dicom_port = free_port()
        self.http_port = free_port()
        config = {
            "Name": "spine-planner-test", "DicomAet": ORTHANC_AET, "DicomPort": self.dicom_port,
            "HttpPort": self.http_port, "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "index"), "RemoteAccessAllowed": False,
            "HttpServerEnabled": True, "AuthenticationEnabled": False, "DicomCheckCalledAet": True,
            "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowFind": True,
            "DicomAlwaysAllowGet": True, "DicomAlwaysAllowMove": True,
            "DicomModalities": {"planner": [OUR_AET, LOOPBACK, our_port]},
            "DicomAssociationCloseDelay": 0, "DicomScuTimeout": 5, "Plugins": [], "SaveJobs": False,
            "StorageCompression": False, "OverwriteInstances": True,
        }
        (folder / "orthanc.json").write_text(json.dumps(config, indent=1))
        self.log_path = folder / "orthanc.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, str(folder / "orthanc.json")], stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=folder)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Orthanc exited at start:\n{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                self.rest("GET", "/system")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Orthanc did not start within 20 s")

    def rest(self, method: str, path: str, body: bytes | None = None, timeout_s: float = 10.0):
        req = urllib.request.Request(f"http://{LOOPBACK}:{self.http_port}{path}", data=body, method=method)
        with urllib.request.urlopen(req, timeout=timeout_s) as rsp:
            data = rsp.read()
        return json.loads(data) if data else None

    def upload(self, paths) -> None:
        for p in paths:
            self.rest("POST", "/instances", Path(p).read_bytes())

    def find(self, level: str, query: dict) -> list[dict]:
        body = json.dumps({"Level": level, "Query": query, "Expand": True}).encode()
        return self.rest("POST", "/tools/find", body)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture(scope="session")
def our_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def ct_series(tmp_path_factory) -> dict:
    """A synthetic 10-slice CT series written with pydicom (paths and UIDs)."""
    return make_ct_series(tmp_path_factory.mktemp("ct"), n_slices=10)


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory, our_port, ct_series):
    """A session-wide Orthanc loaded with the synthetic CT series."""
    server = OrthancServer(orthanc_binary(), tmp_path_factory.mktemp("orthanc"), our_port)
    try:
        server.upload(ct_series["paths"])
        yield server
    finally:
        server.stop()


@pytest.fixture()
def doomed_orthanc(tmp_path, our_port, ct_series):
    """A per-test Orthanc (loaded with the CT series) that the test may kill."""
    folder = tmp_path / "doomed"
    folder.mkdir()
    server = OrthancServer(orthanc_binary(), folder, our_port)
    try:
        server.upload(ct_series["paths"])
        yield server
    finally:
        server.stop()


def settings_for(port: int, our_port: int, cache_dir: Path, called_ae: str = ORTHANC_AET,
                 host: str = LOOPBACK) -> PacsSettings:
    return PacsSettings(local_ae_title=OUR_AET, receive_port=our_port, receive_bind=LOOPBACK,
                        nodes=(PacsNode("test", called_ae, host, port),),
                        timeouts=Timeouts(connect_s=3, acse_s=3, dimse_s=8, network_s=15),
                        cache_dir=str(cache_dir))


@pytest.fixture()
def pacs_settings(orthanc, our_port, tmp_path) -> PacsSettings:
    return settings_for(orthanc.dicom_port, our_port, tmp_path / "cache")


class SilentServer:
    """Accepts TCP connections on loopback and never answers (a hung peer); bounded and stoppable."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 60
        while not self._stop.is_set() and time.monotonic() < deadline and len(self.accepted) < 32:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.accepted.append(conn)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture()
def silent_server():
    server = SilentServer()
    try:
        yield server
    finally:
        server.stop()
