"""A frozen copy of what an export reads from a :class:`~planner.session.session.PlanningSession`, taken
on the GUI thread, so an export running in a worker never sees the plan or a mask change under it.

The exporters (report, key images, DICOM SEG/RTSTRUCT, 3D Slicer, meshes) read a session through a
few attributes and methods; :class:`SessionSnapshot` offers exactly those, with the values of the
moment it was taken:

- the plan: a new :class:`~planner.plan.document.PlanDocument` holding the same items (items are
  immutable values, so sharing them is safe; the copy has its own item tables and no listeners);
- the canal, the lesion and every export mask (CTV, foramina, bioheat damage; their providers are
  asked now): copies of the arrays (the canal brush edits the canal in place), taken bit-packed
  (``numpy.packbits`` of the box around the mask's voxels, :class:`_Packed`: the snapshot is taken on the
  GUI thread, issue 19) and unpacked on first use (in the export's worker);
- the evaluation and the bioheat result: shared (an :class:`Evaluation` is never changed after it is
  published; a thermal entry is a frozen record);
- the volume, its grid, the device library and the thresholds: shared (never changed in place);
- the session's anatomy (the body mask, for the 3D key image's bone surface): shared (it depends on
  the volume only, and computes under its own lock).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from planner.plan.document import PlanDocument


class _FrozenThermal:
    """``session.thermal`` as the report reads it: the entry current when the snapshot was taken."""

    def __init__(self, entry):
        self.entry = entry

    def current(self, _session=None):
        return self.entry


class _Packed:
    """A boolean mask kept as the bit-packed box around its True voxels (1/8 of the box's bytes);
    :meth:`unpack` gives a new array equal to the mask.

    Only the box is packed: a canal, a lesion or a side's foramina fill a small part of the CT grid, and
    packing all of a 512 x 512 x 134 grid took 120 ms per mask on the loaded 2-core machine (issue 19:
    five masks held the GUI thread about 0.6 s at each export). Finding the box is one ``any`` over the
    grid (13 ms there) and a second over the box."""

    def __init__(self, mask):
        mask = np.asarray(mask).astype(bool, copy=False)
        self.shape = mask.shape
        self.box = _true_box(mask)
        inside = mask[self.box] if self.box is not None else np.zeros(0, bool)
        self.box_shape = inside.shape
        self.bits = np.packbits(inside, axis=None)

    def unpack(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=bool)
        if self.box is not None:
            count = int(np.prod(self.box_shape))
            out[self.box] = np.unpackbits(self.bits, count=count).view(bool).reshape(self.box_shape)
        return out


def _true_box(mask: np.ndarray) -> tuple | None:
    """The smallest box (a tuple of slices) holding every True voxel of a 3D mask; the whole array for
    another number of dimensions; None when nothing is True."""
    if mask.ndim != 3:
        return tuple(slice(0, n) for n in mask.shape) if mask.any() else None
    plane = mask.any(axis=0)  # (j, i): one pass over the grid
    rows, cols = np.flatnonzero(plane.any(axis=1)), np.flatnonzero(plane.any(axis=0))
    if rows.size == 0:
        return None
    j, i = slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)
    slices = np.flatnonzero(mask[:, j, i].any(axis=(1, 2)))
    return slice(int(slices[0]), int(slices[-1]) + 1), j, i


def _packed(value):
    if isinstance(value, tuple):
        return (_packed(value[0]),) + value[1:]
    return None if value is None else _Packed(value)


def _unpacked(value):
    if isinstance(value, tuple):
        return (_unpacked(value[0]),) + value[1:]
    return None if value is None else value.unpack()


def _copied(value):
    """A copy of a mask (or of a ``(mask, ...)`` tuple's mask) as a new boolean array."""
    return _unpacked(_packed(value))


class SessionSnapshot:
    """What an export reads of a session, copied at one moment (see the module docstring)."""

    def __init__(self, session):
        if session.volume is None:
            raise ValueError("a snapshot needs a session with a loaded volume")
        self.volume = session.volume
        self.grid = session.grid
        self.devices = session.devices
        self.thresholds = session.thresholds
        self.anatomy = getattr(session, "anatomy", None)  # the body mask for the report's bone surface:
        self.auto_anatomy = getattr(session, "auto_anatomy", True)  # depends on the volume only (issue 19)
        self.evaluation = session.evaluation
        self.plan = PlanDocument()
        self.plan.assign(session.plan)
        self._canal = _packed(session.canal_mask)
        self._lesion = _packed(session.lesion_mask())
        masks = getattr(session, "export_masks", None) or {}
        self._export_masks = {name: _packed(value) for name, value in masks.items() if value is not None}
        self.thermal = _FrozenThermal(session.thermal.current(session) if hasattr(session, "thermal") else None)
        level_of = getattr(session, "needle_level", lambda n: n.level)
        self._levels = {n.id: level_of(n) for n in session.plan.needles}

    @cached_property
    def canal_mask(self) -> np.ndarray | None:
        return _unpacked(self._canal)

    @cached_property
    def _lesion_mask(self) -> np.ndarray | None:
        return _unpacked(self._lesion)

    @cached_property
    def export_masks(self) -> dict:
        return {name: _unpacked(value) for name, value in self._export_masks.items()}

    def lesion_mask(self) -> np.ndarray | None:
        return self._lesion_mask

    def needle_level(self, needle) -> str:
        """The level the needle belonged to when the snapshot was taken (its own, else its vertebra's)."""
        return self._levels.get(needle.id, needle.level)
