"""Network faults give clear PacsError messages: refused, timeout, unknown host, rejected AE,
a server killed mid-retrieve (partial: nothing complete-looking is left), bad settings."""

from __future__ import annotations

import socket
import time

import pytest

from planner.core.errors import PlannerError
from planner.pacs import (
    AssociationRejected, PacsConnectError, PacsTimeout, PartialRetrieve, SeriesCache, check_complete,
    echo, find_series, find_studies, IncompleteSeriesError, QueryFilter, retrieve_series,
)
from tests.pacs.conftest import free_port, settings_for


def test_refused_port(our_port, tmp_path):
    settings = settings_for(free_port(), our_port, tmp_path)
    with pytest.raises(PacsConnectError, match="connection refused") as info:
        echo(settings, settings.nodes[0])
    assert isinstance(info.value, PlannerError) and "not running" in str(info.value)


def test_silent_server_times_out(silent_server, our_port, tmp_path):
    settings = settings_for(silent_server.port, our_port, tmp_path)
    t0 = time.monotonic()
    with pytest.raises(PacsTimeout, match="did not answer the association request within 3 s") as info:
        find_studies(settings, settings.nodes[0], QueryFilter())
    assert info.value.stage == "association"
    assert 2.5 < time.monotonic() - t0 < 10


def test_unknown_host(our_port, tmp_path, monkeypatch):
    def no_such_host(host, *args, **kwargs):  # no DNS traffic leaves the machine in this test
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    settings = settings_for(104, our_port, tmp_path, host="pacs.invalid")
    with pytest.raises(PacsConnectError, match="host name 'pacs.invalid'.*could not be found"):
        echo(settings, settings.nodes[0])


def test_wrong_called_ae_is_rejected(orthanc, our_port, tmp_path):
    from planner.pacs.errors import PeerLost

    settings = settings_for(orthanc.dicom_port, our_port, tmp_path, called_ae="NOTORTHANC")
    for _attempt in range(3):  # Orthanc once dropped the connection instead of answering (1 full-suite run of 3)
        try:
            echo(settings, settings.nodes[0])
        except PeerLost:
            time.sleep(0.5)
            continue
        except AssociationRejected as exc:
            rejected = exc
            break
        pytest.fail("an association with a wrong called AE title was accepted")
    else:
        pytest.fail("Orthanc closed the connection three times without answering")
    info = pytest.ExceptionInfo.from_exception(rejected)
    assert info.value.reason == "Called AE title not recognised"
    assert "NOTORTHANC" in str(info.value) and "rejected the association" in str(info.value)


def test_killed_server_mid_retrieve_is_partial(doomed_orthanc, ct_series, our_port, tmp_path):
    settings = settings_for(doomed_orthanc.dicom_port, our_port, tmp_path)
    node = settings.nodes[0]
    series = [s for s in find_series(settings, node, ct_series["study_uid"])
              if s.series_uid == ct_series["series_uid"]][0]
    cache = SeriesCache(tmp_path / "cache")

    def progress(p):
        if p.received == 3:
            doomed_orthanc.kill()

    t0 = time.monotonic()
    with pytest.raises(PartialRetrieve, match="Only 3 of 10 images") as info:
        retrieve_series(settings, node, series, cache, method="get", progress=progress)
    assert "connection to" in str(info.value) and "was lost" in str(info.value)
    assert (info.value.received, info.value.expected) == (3, 10)
    assert time.monotonic() - t0 < 5, "a lost peer must be noticed without waiting for the DIMSE timeout"
    assert cache.list_series() == [] and cache.find(series.study_uid, series.series_uid) is None
    assert not list((cache.root / "staging").iterdir())
    assert not list((cache.root / "series").rglob("*.dcm"))


def test_incomplete_folder_is_refused(tmp_path):
    cache = SeriesCache(tmp_path / "cache")
    staging = cache.new_staging()
    staging.file_for("1.2.3").write_bytes(b"x")
    with pytest.raises(IncompleteSeriesError, match="incomplete download"):
        check_complete(staging.path)
    with pytest.raises(IncompleteSeriesError, match="not a completed PACS download"):
        check_complete(tmp_path)


def test_cancel_while_waiting_for_association(silent_server, our_port, tmp_path):
    import threading

    from planner.pacs import CancelToken, PacsCancelled

    settings = settings_for(silent_server.port, our_port, tmp_path)
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(PacsCancelled, match="cancelled"):
            find_studies(settings, settings.nodes[0], QueryFilter(), cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 2.0, "Cancel must not wait for the 3 s ACSE timeout"
