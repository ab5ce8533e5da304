"""Receiving images: the C-STORE handler shared by C-GET and C-MOVE, and our storage SCP for C-MOVE.

Incoming objects are written as received (``event.encoded_dataset()``: file meta + the bytes the peer
sent, no re-encoding) into a :class:`planner.pacs.cache.StagingFolder`, one file per SOP Instance UID.
Objects of another series are refused so a stray store cannot slip into the wrong folder.
"""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from collections.abc import Iterator
from dataclasses import dataclass

from pynetdicom import AE, StoragePresentationContexts, evt
from pynetdicom.sop_class import Verification

from planner.pacs.association import CancelToken
from planner.pacs.cache import StagingFolder
from planner.pacs.errors import PacsError
from planner.pacs.settings import PacsSettings
from planner.pacs.syntaxes import decodable_transfer_syntaxes

#: C-STORE statuses we answer with (PS3.4 B.2.3).
STORE_OK = 0x0000
STORE_OUT_OF_RESOURCES = 0xA700
STORE_CANNOT_UNDERSTAND = 0xC000
STORE_WRONG_SERIES = 0xC001


@dataclass(frozen=True)
class RetrieveProgress:
    """Progress of a retrieve: images received so far, images expected (0 when not yet known)."""

    received: int
    expected: int
    bytes_received: int


ProgressFn = Callable[[RetrieveProgress], None]


class StoreSink:
    """Writes incoming C-STOREs of one series into a staging folder and reports progress."""

    def __init__(self, staging: StagingFolder, series_uid: str, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None):
        self.staging = staging
        self.series_uid = series_uid
        self.progress = progress
        self.cancel = cancel
        self.expected = 0
        self.bytes_received = 0
        self.last_activity = time.monotonic()
        self.write_error: str = ""
        self._lock = threading.Lock()
        self._uids: set[str] = set()

    @property
    def received(self) -> int:
        with self._lock:
            return len(self._uids)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def set_expected(self, expected: int) -> None:
        if expected > self.expected:
            self.expected = expected
            self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(RetrieveProgress(self.received, self.expected, self.bytes_received))

    def handle_store(self, event) -> int:
        """pynetdicom ``EVT_C_STORE`` handler; returns the C-STORE status."""
        self.touch()
        if self.cancel is not None and self.cancel.cancelled:
            return STORE_OUT_OF_RESOURCES
        try:
            ds = event.dataset
            series_uid = str(ds.get("SeriesInstanceUID", ""))
        except Exception:  # noqa: BLE001 - a malformed dataset from the peer: refuse it, keep going
            return STORE_CANNOT_UNDERSTAND
        if series_uid != self.series_uid:
            return STORE_WRONG_SERIES
        sop_uid = str(event.request.AffectedSOPInstanceUID)
        try:
            data = event.encoded_dataset()
            self.staging.file_for(sop_uid).write_bytes(data)
        except OSError as exc:
            self.write_error = exc.strerror or str(exc)
            return STORE_OUT_OF_RESOURCES
        with self._lock:
            self._uids.add(sop_uid)
            self.bytes_received += len(data)
        self._report()
        return STORE_OK


def storage_ae(settings: PacsSettings) -> AE:
    """An AE accepting every storage SOP class in the transfer syntaxes the planner can decode
    (:func:`planner.pacs.syntaxes.decodable_transfer_syntaxes`), and echo."""
    ae = AE(ae_title=settings.local_ae_title)
    t = settings.timeouts
    ae.acse_timeout, ae.dimse_timeout, ae.network_timeout = t.acse_s, t.dimse_s, t.network_s
    for cx in StoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, list(decodable_transfer_syntaxes()))
    ae.add_supported_context(Verification)
    ae.require_called_aet = True
    ae.maximum_associations = 4
    return ae


@contextmanager
def storage_scp(settings: PacsSettings, sink: StoreSink) -> Iterator[None]:
    """Run our storage SCP (``local_ae_title`` on ``receive_bind:receive_port``) while in the block."""
    ae = storage_ae(settings)
    handlers = [(evt.EVT_C_STORE, sink.handle_store), (evt.EVT_CONN_OPEN, lambda e: sink.touch())]
    try:
        server = ae.start_server((settings.receive_bind, settings.receive_port), block=False,
                                 evt_handlers=handlers, ae_title=settings.local_ae_title)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PacsError(
                f"Our receive port {settings.receive_port} is already in use by another program, so "
                "images sent by the PACS (C-MOVE) cannot be received. Close that program, or choose "
                "another receive port (and tell the PACS administrator).") from None
        raise PacsError(f"Cannot listen on receive port {settings.receive_port} ({exc.strerror or exc}).") from None
    try:
        yield
    finally:
        server.shutdown()
        ae.shutdown()
