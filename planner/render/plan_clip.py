"""Clip the bone and mask surfaces to a box around the level being planned.

Six mapper clipping planes (OpenGL clip distances, nothing is re-computed on the CPU) bound an
LPS-aligned box. The planes are shared by every attached mapper and moved in place, so changing the
box is one render. VTK keeps the half-space a plane's normal points into, so the normals point inward.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonDataModel import vtkPlane

_AXIS_NORMALS = np.eye(3)


def box_planes(min_lps, max_lps) -> list[vtkPlane]:
    """Six inward-facing planes bounding the box [min_lps, max_lps] (LPS mm)."""
    planes = [vtkPlane() for _ in range(6)]
    _place(planes, min_lps, max_lps)
    return planes


def _place(planes: list[vtkPlane], min_lps, max_lps) -> None:
    lo = np.asarray(min_lps, dtype=float).reshape(3)
    hi = np.asarray(max_lps, dtype=float).reshape(3)
    if np.any(hi <= lo):
        raise ValueError(f"clip box must have max > min on every axis, got {lo} .. {hi}")
    for axis in range(3):
        n = _AXIS_NORMALS[axis]
        planes[2 * axis].SetOrigin(*lo)
        planes[2 * axis].SetNormal(*n)
        planes[2 * axis + 1].SetOrigin(*hi)
        planes[2 * axis + 1].SetNormal(*(-n))


def _mapper(actor_or_mapper):
    return actor_or_mapper.GetMapper() if hasattr(actor_or_mapper, "GetMapper") else actor_or_mapper


class ClipBox:
    """An LPS box applied as clipping planes to the attached actors (bone surface, mask surfaces).

    ``attach`` applies the current box at once; ``set_clip_box`` / ``clear_clip`` act on all attached
    actors. Attach the new actor again when a surface is replaced by a new actor.
    """

    def __init__(self):
        self._planes = [vtkPlane() for _ in range(6)]
        self._mappers: list = []
        self._box: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(min_lps, max_lps) of the active box, or None when not clipping."""
        return None if self._box is None else (self._box[0].copy(), self._box[1].copy())

    def attach(self, actor_or_mapper) -> None:
        """Clip this actor (or mapper) with the box from now on; None is ignored."""
        if actor_or_mapper is None:
            return
        mapper = _mapper(actor_or_mapper)
        if any(m is mapper for m in self._mappers):
            return
        self._mappers.append(mapper)
        self._apply(mapper)

    def detach(self, actor_or_mapper) -> None:
        """Stop clipping this actor (its clipping planes are removed)."""
        mapper = _mapper(actor_or_mapper)
        for i, m in enumerate(self._mappers):
            if m is mapper:
                m.RemoveAllClippingPlanes()
                del self._mappers[i]
                return

    def set_clip_box(self, min_lps, max_lps) -> None:
        """Show only what lies inside the LPS box [min_lps, max_lps] (mm)."""
        _place(self._planes, min_lps, max_lps)
        was_active = self._box is not None
        self._box = (np.asarray(min_lps, dtype=float).reshape(3), np.asarray(max_lps, dtype=float).reshape(3))
        for mapper in self._mappers:
            if not was_active:
                self._apply(mapper)
            mapper.Modified()

    def clear_clip(self) -> None:
        """Show the attached surfaces whole again."""
        self._box = None
        for mapper in self._mappers:
            mapper.RemoveAllClippingPlanes()

    def _apply(self, mapper) -> None:
        mapper.RemoveAllClippingPlanes()
        if self._box is None:
            return
        for plane in self._planes:
            mapper.AddClippingPlane(plane)
