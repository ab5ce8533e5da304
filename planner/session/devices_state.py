"""The session's ablation device library, read on first use (issue 13, ``analyze`` speed).

Reading the shipped device files checks each against its JSON Schema, which imports jsonschema (about
0.15 s with its helpers) and validates the tables: work a case without an antenna (``analyze`` of a
series alone, the window before the first needle) never needs. :class:`DevicesMixin` gives
:class:`~planner.session.session.PlanningSession` a ``devices`` property that reads the library the
first time it is asked for (once, whichever thread asks first) unless one was given.
"""

from __future__ import annotations

import threading

from planner.ablation.devices import DeviceLibrary, load_library

__all__ = ["DevicesMixin"]

_LOCK = threading.Lock()


class DevicesMixin:
    """``devices``: the library given to the session, else the shipped one read on first use."""

    _devices: DeviceLibrary | None = None

    @property
    def devices(self) -> DeviceLibrary:
        if self._devices is None:
            with _LOCK:
                if self._devices is None:
                    self._devices = load_library()
        return self._devices

    @devices.setter
    def devices(self, library: DeviceLibrary | None) -> None:
        self._devices = library
