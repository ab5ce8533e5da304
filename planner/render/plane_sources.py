"""What a 2D view shows: a standard plane through the crosshair, or a plane aligned with a needle.

A source turns the shared cursor (and, for needle views, the selected needle) into a plane and a
:class:`~planner.geometry.mpr.SliceImage`: exact voxel slices for axis-aligned planes
(:func:`planner.geometry.mpr.reslice`), ``vtkImageReslice`` for oblique ones. No Qt here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from planner.core.position_text import LPS, RAS, axis_text
from planner.core.volume import ImageVolume
from planner.geometry.mpr import SliceImage, is_axis_aligned, reslice, slice_step_mm, volume_corners_lps
from planner.geometry.needle_planes import (
    ALONG_SIDE, ALONG_UP, PROBE, needle_frame, needle_plane, trajectory_extent,
)
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL, SlicePlane, standard_plane
from planner.render.reslice import ObliqueReslicer

TITLES = {
    AXIAL: "Axial", SAGITTAL: "Sagittal", CORONAL: "Coronal",
    ALONG_SIDE: "Along needle (side)", ALONG_UP: "Along needle (up)", PROBE: "Probe's eye",
}
_AXIS_NAMES = ("x", "y", "z")
#: While a drag moves the needle (``SliceSource.draft``), a needle-aligned view samples every this many
#: voxel steps (a quarter of the pixels); the release draws the full-resolution slice again (issue 15).
DRAFT_STEP_FACTOR = 2


class SliceSource(ABC):
    """Shared machinery: one oblique reslicer per volume, slab MIP thickness, slice caching."""

    kind = ""
    drafts = False  # whether ``draft`` changes the sampling (needle-aligned views only)

    def __init__(self):
        self.volume: ImageVolume | None = None
        self._reslicer: ObliqueReslicer | None = None
        self.slab_mm = 0.0
        self._cache_key = None
        self._cache: SliceImage | None = None
        self._last: tuple | None = None  # (plane object, slab, draft, key) the cached slice was last checked for
        self.draft = False  # set by the window while a drag moves the plan: cheaper oblique slices

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    def set_volume(self, volume: ImageVolume | None) -> None:
        self.volume = volume
        self._reslicer = None
        self._cache_key = None
        self._last = None

    def reslicer(self) -> ObliqueReslicer:
        if self._reslicer is None:
            self._reslicer = ObliqueReslicer(self.volume)
        return self._reslicer

    @abstractmethod
    def plane(self, cursor_lps) -> SlicePlane | None:
        """The plane shown for this cursor, or None when there is nothing to show."""

    @abstractmethod
    def position_text(self, sl: SliceImage) -> str:
        """Where the slice is, in words for the view's corner."""

    def slice(self, cursor_lps) -> SliceImage | None:
        if self.volume is None:
            return None
        plane = self.plane(cursor_lps)
        if plane is None:
            return None
        draft = self.draft and self.drafts
        last = self._last
        if (last is not None and last[0] is plane and last[1] == self.slab_mm and last[2] == draft
                and last[3] is self._cache_key):
            return self._cache  # the very plane object checked last time (sources memoise their plane)
        key = (tuple(np.round(plane.origin_lps, 6)), tuple(np.round(plane.u_lps, 9)),
               tuple(np.round(plane.v_lps, 9)), self.slab_mm, draft)
        if key != self._cache_key:
            self._cache = self._compute(plane)
            self._cache_key = key
        self._last = (plane, self.slab_mm, draft, self._cache_key)
        return self._cache

    def _compute(self, plane: SlicePlane) -> SliceImage:
        if is_axis_aligned(self.volume, plane):
            return reslice(self.volume, plane, slab_mm=self.slab_mm)
        return self.reslicer().reslice(plane, slab_mm=self.slab_mm)

    def step_mm(self, cursor_lps) -> float:
        plane = self.plane(cursor_lps)
        return slice_step_mm(self.volume, plane) if plane is not None else 1.0


class StandardSource(SliceSource):
    """Axial, sagittal or coronal plane through the crosshair; in-plane origin at the volume centre
    so the image does not shift when the crosshair moves within the plane."""

    def __init__(self, orientation: str):
        super().__init__()
        self.kind = orientation
        self._centre_lps = np.zeros(3)
        self._base: SlicePlane | None = None
        self._plane_cache: tuple[float, SlicePlane] | None = None
        self._step_cache: tuple[float, float] | None = None

    def set_volume(self, volume: ImageVolume | None) -> None:
        super().set_volume(volume)
        self._base = None
        self._plane_cache = self._step_cache = None
        if volume is not None:
            lo, hi = volume.bounds_lps
            self._centre_lps = (lo + hi) / 2
            self._base = standard_plane(self.kind, self._centre_lps)
            self._step_cache = (slice_step_mm(volume, self._base), 0.0)

    def plane(self, cursor_lps) -> SlicePlane:
        base = self._base if self._base is not None else standard_plane(self.kind, self._centre_lps)
        h = float(base.distance_mm(cursor_lps))
        if self._plane_cache is None or self._plane_cache[0] != h:  # painting asks many times per frame
            self._plane_cache = (h, base.offset(h))
        return self._plane_cache[1]

    def step_mm(self, cursor_lps) -> float:
        if self._step_cache is not None:
            return self._step_cache[0]
        return super().step_mm(cursor_lps)

    def scrolled_cursor(self, cursor_lps, n_slices: int) -> np.ndarray:
        """The cursor moved ``n_slices`` voxel slices along the normal, kept inside the volume."""
        plane = self.plane(cursor_lps)
        step = self.step_mm(cursor_lps)
        target = np.asarray(cursor_lps, dtype=float) + plane.normal_lps * step * n_slices
        heights = plane.to_plane_coords(volume_corners_lps(self.volume))[:, 2]
        h = float(plane.distance_mm(target))
        h_clamped = min(max(h, heights.min() + step / 2), heights.max() - step / 2)
        return target + plane.normal_lps * (h_clamped - h)

    position_frame = LPS  # RAS: "I 182.0 mm" instead of "z = -182.0 mm" (planner.core.position_text)

    def position_text(self, sl: SliceImage) -> str:
        axis = {AXIAL: 2, SAGITTAL: 0, CORONAL: 1}[self.kind]
        value_mm = float(sl.pixel_to_lps(0, 0)[axis])
        if self.position_frame == RAS:
            return axis_text(axis, value_mm)
        return f"{_AXIS_NAMES[axis]} = {value_mm:.1f} mm"


class NeedleSource(SliceSource):
    """A plane aligned with the selected needle (see :mod:`planner.geometry.needle_planes`).

    Scrolling moves an along-plane parallel to itself (``offset_mm``) and the probe's-eye plane
    along the needle (``depth_mm`` from the entry; it may go beyond the tip)."""

    drafts = True

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.entry_lps: np.ndarray | None = None
        self.tip_lps: np.ndarray | None = None
        self.depth_mm = 0.0
        self.offset_mm = 0.0
        self.margin_mm = 30.0
        self._plane_memo: tuple | None = None  # (inputs, plane): a paint asks for the plane many times

    def set_needle(self, entry_lps, tip_lps) -> None:
        if entry_lps is None or tip_lps is None:
            self.entry_lps = self.tip_lps = None
            return
        new_entry, new_tip = np.asarray(entry_lps, float), np.asarray(tip_lps, float)
        if self.entry_lps is None:
            length = float(np.linalg.norm(new_tip - new_entry))
            self.depth_mm, self.offset_mm = length, 0.0  # start at the tip
        self.entry_lps, self.tip_lps = new_entry, new_tip

    def has_needle(self) -> bool:
        return self.entry_lps is not None

    def plane(self, cursor_lps=None) -> SlicePlane | None:
        if self.entry_lps is None:
            return None
        inputs = (tuple(self.entry_lps.tolist()), tuple(self.tip_lps.tolist()), self.depth_mm, self.offset_mm)
        if self._plane_memo is None or self._plane_memo[0] != inputs:  # the same inputs give the same plane
            self._plane_memo = (inputs, needle_plane(self.kind, self.entry_lps, self.tip_lps, self.depth_mm,
                                                     self.offset_mm))
        return self._plane_memo[1]

    def _compute(self, plane: SlicePlane) -> SliceImage:
        if self.kind == PROBE:
            c = plane.to_plane_coords(plane.origin_lps)[:2]
            half = 45.0
            extent = (c[0] - half, c[0] + half, c[1] - half, c[1] + half)
        else:
            extent = trajectory_extent(plane, self.entry_lps, self.tip_lps, self.margin_mm)
        step = DRAFT_STEP_FACTOR * min(self.volume.spacing_mm) if self.draft else None  # None: the full sampling
        return self.reslicer().reslice(plane, extent, step_mm=step, slab_mm=self.slab_mm)

    def scroll(self, n_steps: int, step_mm: float = 1.0) -> None:
        if self.kind == PROBE:
            length = needle_frame(self.entry_lps, self.tip_lps).length_mm
            self.depth_mm = float(np.clip(self.depth_mm + n_steps * step_mm, -20.0, length + 60.0))
        else:
            self.offset_mm = float(np.clip(self.offset_mm + n_steps * step_mm, -40.0, 40.0))

    def position_text(self, sl: SliceImage) -> str:
        if self.kind == PROBE:
            return f"depth {self.depth_mm:.1f} mm from entry"
        return f"offset {self.offset_mm:+.1f} mm"
