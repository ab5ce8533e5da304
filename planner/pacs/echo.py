"""C-ECHO: the "Echo" test of a PACS node (Verification SOP class, PS3.4 annex A)."""

from __future__ import annotations

import time

from pynetdicom.sop_class import Verification

from planner.pacs.association import CancelToken, Context, associate, lost_or_timed_out
from planner.pacs.errors import PacsStatusError
from planner.pacs.settings import PacsNode, PacsSettings
from planner.pacs.status import SUCCESS, describe, error_comment, status_code


def echo(settings: PacsSettings, node: PacsNode, cancel: CancelToken | None = None) -> float:
    """Send a C-ECHO to ``node``; returns the round trip (association + echo) in milliseconds.

    Raises a :class:`planner.pacs.errors.PacsError` subtype naming what went wrong.
    """
    t0 = time.monotonic()
    with associate(settings, node, [Context(Verification)], purpose="the echo test",
                   cancel=cancel) as assoc:
        t_sent = time.monotonic()
        status = assoc.send_c_echo()
        code = status_code(status)
        if code is None:
            raise lost_or_timed_out(node, settings, time.monotonic() - t_sent, "the echo test", cancel)
        if code != SUCCESS:
            raise PacsStatusError(f"{node.label} answered the echo test with an error: "
                                  f"{describe(code, error_comment(status))}.", code)
    return (time.monotonic() - t0) * 1000.0
