"""Errors of the DICOM networking layer: every message is written for the user at the console.

All derive from :class:`PacsError`, itself a :class:`planner.core.errors.PlannerError`, so the UI can
show ``str(err)`` as it does for any other planner error.
"""

from __future__ import annotations

from planner.core.errors import PlannerError


class PacsError(PlannerError):
    """A DICOM network operation (echo, query, retrieve, send) failed."""


class PacsSettingsError(PacsError):
    """A PACS node or local setting is invalid (AE title, port, host, timeout)."""


class PacsConnectError(PacsError):
    """No TCP connection could be made: unknown host name, nothing listening (refused), unreachable."""


class PacsTimeout(PacsError):
    """The peer did not answer in time (TCP connect, association request or a DIMSE response)."""

    def __init__(self, message: str, stage: str):
        super().__init__(message)
        self.stage = stage


class AssociationRejected(PacsError):
    """The PACS answered with A-ASSOCIATE-RJ (PS3.8 section 9.3.4): ``reason`` is the diagnostic."""

    def __init__(self, message: str, result: str, source: str, reason: str):
        super().__init__(message)
        self.result = result
        self.source = source
        self.reason = reason


class RequestRefused(PacsError):
    """The PACS aborted the association in answer to a request, before any response: usually our AE
    title is not registered there for that service."""


class PeerLost(PacsError):
    """The peer closed or aborted the association in the middle of an operation."""


class PacsStatusError(PacsError):
    """The PACS answered a request with a failure status (PS3.7 annex C); ``status`` is the code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class PartialRetrieve(PacsError):
    """A retrieve ended with fewer images than the series holds; nothing was added to the cache."""

    def __init__(self, message: str, received: int, expected: int):
        super().__init__(message)
        self.received = received
        self.expected = expected


class PacsCancelled(PacsError):
    """The user cancelled the operation; the association was aborted and nothing was kept."""


class IncompleteSeriesError(PacsError):
    """A folder is a staging folder or an incomplete retrieve and must not be opened."""
