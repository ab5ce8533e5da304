"""Connect a psygnal signal of the session or the plan to a Qt object's slot for as long as that object lives.

psygnal keeps a weak reference to a bound method's Python wrapper, not to the C++ object behind it: once Qt has
deleted a panel (its window closed, ``deleteLater`` ran) the wrapper can live on, and the session's next
``evaluated`` would call into the deleted object ("Internal C++ object already deleted"). ``connect_while_alive``
disconnects the slot when the object's ``QObject.destroyed`` fires, so a late emit finds nothing to call.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject


def connect_while_alive(signal: Any, owner: QObject, slot: Callable) -> Callable:
    """``signal.connect(slot)`` until ``owner`` is destroyed; returns ``slot`` (for a later manual disconnect)."""
    signal.connect(slot)

    def _drop(*_args) -> None:
        signal.disconnect(slot, missing_ok=True)

    owner.destroyed.connect(_drop)
    return slot
