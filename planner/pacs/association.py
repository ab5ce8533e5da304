"""Open a DICOM association to a PACS node and turn every way it can fail into a clear PacsError.

Connection faults are told apart as follows: the host name is resolved first (unknown host); a
``EVT_CONN_OPEN`` event tells whether TCP connected (if not, a short probe gives the OS reason:
refused or timed out); an A-ASSOCIATE-RJ gives its result, source and diagnostic (PS3.8 table 9-21);
an abort after connecting but before an answer is an ACSE timeout when it came after
``Timeouts.acse_s``, otherwise the peer closed the connection.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from pynetdicom import AE, evt
from pynetdicom.association import Association

from planner.pacs.errors import (
    AssociationRejected, PacsCancelled, PacsConnectError, PacsError, PacsTimeout, PeerLost, RequestRefused,
)
from planner.pacs.settings import PacsNode, PacsSettings

#: A-ASSOCIATE-RJ diagnostics (PS3.8 table 9-21) with what the user can do about each.
_REJECT_HINTS = {
    (1, 3): "the PACS does not accept our AE title '{ours}': ask the PACS administrator to add it",
    (1, 7): "the PACS does not answer to the AE title '{called}': check the AE title in the PACS settings",
    (3, 1): "the PACS is busy (temporary congestion): try again in a moment",
    (3, 2): "the PACS has too many connections open (local limit exceeded): try again in a moment",
}


@dataclass(frozen=True)
class Context:
    """A presentation context to request: an abstract syntax (SOP class) and its transfer syntaxes."""

    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = ()


def _mark_aborted(event) -> None:
    """EVT_PDU_RECV: remember that the peer sent an A-ABORT PDU (PS3.8 9.3.8); a crashed or restarted
    peer closes the TCP connection without one."""
    if type(event.pdu).__name__ == "A_ABORT_RQ":
        event.assoc.planner_aborted = True


def _abort_and_wake(assoc: Association) -> None:
    """Abort, then wake a thread blocked waiting for a DIMSE message on this association.

    pynetdicom queues ``(None, None)`` itself when the *peer* aborts or closes (fsm AA-3/AA-4), but
    not after a local abort; without it a pending C-FIND/C-GET/C-MOVE would wait for the DIMSE timeout.
    """
    assoc.abort()
    assoc.dimse.msg_queue.put((None, None))


def _abort_soon(assoc: Association) -> None:
    if assoc.is_established:
        threading.Thread(target=_abort_and_wake, args=(assoc,), name="pacs-abort", daemon=True).start()
    elif not (assoc.is_aborted or assoc.is_rejected or assoc.is_released):
        # Still negotiating: wake the ACSE wait for A-ASSOCIATE-AC/RJ with an empty answer, which
        # pynetdicom treats as an invalid response: it sends A-ABORT and closes the connection.
        assoc.dul.to_user_queue.put(None)


class CancelToken:
    """Thread-safe cancel flag that also aborts the associations attached to it (A-ABORT, PS3.8 7.3)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._assocs: list[Association] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Set the flag and abort every attached association; returns at once, from any thread.

        The abort runs on a short-lived thread: a blocking abort stops the association's reactor,
        which must not happen on the GUI thread nor inside one of the association's own handlers.
        """
        self._event.set()
        with self._lock:
            assocs = list(self._assocs)
        for assoc in assocs:
            _abort_soon(assoc)

    def attach(self, assoc: Association) -> None:
        with self._lock:
            self._assocs.append(assoc)
        if self.cancelled:
            _abort_soon(assoc)

    def detach(self, assoc: Association) -> None:
        with self._lock:
            if assoc in self._assocs:
                self._assocs.remove(assoc)

    def raise_if_cancelled(self, what: str = "The operation") -> None:
        if self.cancelled:
            raise PacsCancelled(f"{what} was cancelled.")


def make_ae(settings: PacsSettings) -> AE:
    """A pynetdicom AE with our AE title and the configured timeouts."""
    ae = AE(ae_title=settings.local_ae_title)
    t = settings.timeouts
    ae.connection_timeout = t.connect_s
    ae.acse_timeout = t.acse_s
    ae.dimse_timeout = t.dimse_s
    ae.network_timeout = t.network_s
    return ae


def resolve(node: PacsNode) -> str:
    """The IP address of ``node.host``; :class:`PacsConnectError` when the name is unknown."""
    try:
        infos = socket.getaddrinfo(node.host, node.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PacsConnectError(
            f"The host name '{node.host}' of {node.label} could not be found ({exc.strerror}). "
            "Check the spelling of the host name or use its IP address.") from None
    if not infos:
        raise PacsConnectError(f"The host name '{node.host}' of {node.label} has no address.")
    return str(infos[0][4][0])


def _tcp_failure(node: PacsNode, address: str, timeout_s: float) -> PacsError:
    """Probe the port once to learn why pynetdicom could not connect."""
    try:
        with socket.create_connection((address, node.port), timeout=timeout_s):
            pass
    except ConnectionRefusedError:
        return PacsConnectError(
            f"Nothing is listening at {node.host}:{node.port} (connection refused) for {node.label}. "
            "The PACS is not running, or the port number is wrong.")
    except (socket.timeout, TimeoutError):
        return PacsTimeout(
            f"No answer from {node.host}:{node.port} within {timeout_s:g} s while connecting to "
            f"{node.label}. Check the address, the network and any firewall.", stage="connect")
    except OSError as exc:
        return PacsConnectError(f"Cannot reach {node.label}: {exc.strerror or exc}.")
    return PeerLost(f"{node.label} dropped the connection while it was being opened. Try again.")


def _rejected(assoc: Association, node: PacsNode, ours: str) -> AssociationRejected:
    rsp = assoc.acceptor.primitive
    result = rsp.result_str if rsp is not None else "Rejected"
    source = rsp.source_str if rsp is not None else "unknown"
    reason = rsp.reason_str if rsp is not None else "no reason given"
    key = (getattr(rsp, "result_source", None), getattr(rsp, "diagnostic", None))
    hint = _REJECT_HINTS.get(key, "check the AE titles and ask the PACS administrator")
    hint = hint.format(ours=ours, called=node.ae_title)
    return AssociationRejected(
        f"{node.label} rejected the association: {reason} ({result.lower()}, by the "
        f"{source.lower()}); {hint}.", result=result, source=source, reason=reason)


class _Watch:
    """Records connection events of one association attempt."""

    def __init__(self) -> None:
        self.connected = False
        self.accepted = False

    def handlers(self) -> list:
        return [(evt.EVT_CONN_OPEN, self._open), (evt.EVT_ACCEPTED, self._accepted)]

    def _open(self, event) -> None:
        self.connected = True

    def _accepted(self, event) -> None:
        self.accepted = True


def _classify(assoc, watch, node, settings, address, elapsed_s, purpose) -> PacsError:
    if assoc.is_rejected:
        return _rejected(assoc, node, settings.local_ae_title)
    if not watch.connected:
        failure = _tcp_failure(node, address, settings.timeouts.connect_s)
        if node.tls and isinstance(failure, PeerLost):
            return PacsConnectError(
                f"The TLS connection to {node.label} could not be set up: its certificate was not accepted "
                "(not signed by the CA file given, expired, or issued for another host name), or the port "
                "does not speak TLS. Check the node's TLS settings.")
        return failure
    if watch.accepted:
        return PacsError(f"{node.label} accepted the connection but supports none of the services "
                         f"needed for {purpose}.")
    acse_s = settings.timeouts.acse_s
    if elapsed_s >= 0.9 * acse_s:
        return PacsTimeout(
            f"{node.label} accepted the network connection but did not answer the association "
            f"request within {acse_s:g} s (ACSE timeout). The port may belong to another program, "
            "or the PACS is overloaded.", stage="association")
    return PeerLost(f"{node.label} closed the connection without answering the association "
                    "request. The port may belong to another program, or the PACS refuses us.")


@contextmanager
def associate(settings: PacsSettings, node: PacsNode, contexts: Sequence[Context], *,
              purpose: str, roles: Sequence = (), handlers: Sequence = (),
              cancel: CancelToken | None = None) -> Iterator[Association]:
    """Yield an established association with ``node``; released (or aborted) on exit.

    ``purpose`` names the operation in messages ("the echo test", "the query", ...). ``roles``
    are SCP/SCU role selection items (C-GET), ``handlers`` pynetdicom event handlers.
    """
    if cancel is not None:
        cancel.raise_if_cancelled(purpose.capitalize())
    settings = settings.validated()
    node = node.validated()
    address = resolve(node)
    ae = make_ae(settings)
    for ctx in contexts:
        ae.add_requested_context(ctx.abstract_syntax, list(ctx.transfer_syntaxes) or None)
    watch = _Watch()
    early = [(evt.EVT_CONN_OPEN, lambda event: cancel.attach(event.assoc))] if cancel is not None else []
    t0 = time.monotonic()
    tls = node.tls_context()
    assoc = ae.associate(address, node.port, ae_title=node.ae_title, ext_neg=list(roles) or None,
                         tls_args=(tls, node.host) if tls is not None else None,
                         evt_handlers=watch.handlers() + early + [(evt.EVT_PDU_RECV, _mark_aborted)] + list(handlers))
    if not assoc.is_established:
        if cancel is not None:
            cancel.detach(assoc)
            cancel.raise_if_cancelled(purpose.capitalize())
        ae.shutdown()
        raise _classify(assoc, watch, node, settings, address, time.monotonic() - t0, purpose)
    try:
        yield assoc
    finally:
        if cancel is not None:
            cancel.detach(assoc)
        if assoc.is_established:
            assoc.release()
        ae.shutdown()


def _peer_aborted(assoc: Association, wait_s: float = 0.5) -> bool:
    """Whether the peer sent an A-ABORT (the reactor thread may still be handling it: wait briefly)."""
    deadline = time.monotonic() + wait_s
    while not getattr(assoc, "planner_aborted", False) and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(getattr(assoc, "planner_aborted", False))


def lost_or_timed_out(node: PacsNode, settings: PacsSettings, idle_s: float, purpose: str,
                      cancel: CancelToken | None = None, assoc: Association | None = None,
                      answered: bool = True) -> PacsError:
    """The error for an operation whose association ended without a final response.

    ``idle_s`` is the time since the last message from the peer: at or past the DIMSE timeout
    pynetdicom gave up waiting (timeout); earlier, the peer went away (connection lost). When the
    PACS answered our request with an A-ABORT before any response (``answered`` False), it refused
    the request itself: PACS such as Orthanc accept an association for echo from any AE title but
    abort a query or retrieve from an AE title they do not know, so that is what the message says.
    """
    if cancel is not None and cancel.cancelled:
        return PacsCancelled(f"{purpose.capitalize()} was cancelled.")
    dimse_s = settings.timeouts.dimse_s
    if idle_s >= 0.9 * dimse_s:
        return PacsTimeout(f"{node.label} stopped answering during {purpose} (no response within "
                           f"{dimse_s:g} s, DIMSE timeout).", stage="response")
    if assoc is not None and not answered and _peer_aborted(assoc):
        return RequestRefused(
            f"{node.label} refused {purpose} without an answer (it aborted the association). The usual reason: "
            f"our AE title '{settings.local_ae_title}' is not registered at the PACS for this service. Ask the PACS "
            f"administrator to add '{settings.local_ae_title}' (this computer, port {settings.receive_port}).")
    return PeerLost(f"The connection to {node.label} was lost during {purpose}: the PACS closed or "
                    "aborted it (it may have been restarted or have crashed).")
