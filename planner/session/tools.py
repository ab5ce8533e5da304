"""The 2D view's tool protocol: what a mouse tool is, as plain logic (ARCHITECTURE.md habit 8).

A slice view (:mod:`planner.ui.slice_view`) translates Qt mouse events into calls on its active tool:
``press``, ``move`` and ``release`` get the LPS point (mm) under the mouse on the displayed slice and
a plain button name (``"left"``, ``"middle"``, ``"right"`` or None when no button is held); each
returns True when the tool handled the event (the view then repaints and does not navigate).
``cancel()`` drops a gesture in progress (Esc, or another tool chosen). A tool that needs to know
where the event happened declares ``context``; the view sets it before each event.

An optional ``hint`` (text) is shown in the status bar while the tool is active. Tools live in the
session layer (placement, measurements, canal brush) and are tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from planner.geometry.planes import SlicePlane

BUTTONS = ("left", "middle", "right")


@runtime_checkable
class ViewTool(Protocol):
    """A mouse tool of the 2D views (see the module docstring)."""

    def press(self, lps: np.ndarray, button: str | None) -> bool: ...

    def move(self, lps: np.ndarray, button: str | None) -> bool: ...

    def release(self, lps: np.ndarray, button: str | None) -> bool: ...

    def cancel(self) -> None: ...


@runtime_checkable
class ContextTool(ViewTool, Protocol):
    """A tool that reads where the event happened (handles, picking): the view sets ``context`` first."""

    context: "ViewContext | None"


@dataclass(frozen=True)
class ViewContext:
    """Where the event happened: the slice's plane (after snapping: ``h_mm`` above it), half its
    thickness, and the pick tolerance in mm (a few screen pixels at the current zoom)."""

    plane: SlicePlane
    h_mm: float
    half_thickness_mm: float
    tolerance_mm: float

    def in_plane_distance_mm(self, p_lps, q_lps) -> float:
        a = self.plane.to_plane_coords(np.asarray(p_lps, float))[:2]
        b = self.plane.to_plane_coords(np.asarray(q_lps, float))[:2]
        return float(np.linalg.norm(a - b))

    def near_slice(self, p_lps) -> bool:
        h = float(self.plane.to_plane_coords(np.asarray(p_lps, float))[2]) - self.h_mm
        return abs(h) <= self.half_thickness_mm + self.tolerance_mm
