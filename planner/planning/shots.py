"""The search's placements: every allowed needle tip of the fans' lines with one protocol, as a batch.

A :class:`ZoneBatch` holds, for one protocol (device, power, time, extension) and the lines of one
side, the zone of every allowed tip (:func:`planner.ablation.zones.zone_for_antenna`: a spheroid
along the antenna, centred ``center_offset_mm`` back from the antenna tip) and its clearance from
the canal (:meth:`planner.planning.reach.CanalDistance.clearances_at`). The zones of one line share
their axes (they depend only on the line's direction) and the zones of one protocol their semi-axes,
so each line's zone is built once and the others are its copies moved along the line: the same
numbers, to the last bit, as one :func:`zone_for_antenna` call per tip, without one Python object per
tip (the proposal tries several thousand). :class:`~planner.geometry.shapes.Ellipsoid` objects are
made only for the placements a caller keeps (:attr:`Shot.zone`).

A batch does not depend on the canal margin asked, so a proposal that searches again with a
smaller margin (:func:`planner.planning.propose.propose`) reuses it, and the CTV points each zone
covers are computed once per zone (:meth:`ZoneBatch.shots`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from planner.ablation.devices import Device
from planner.ablation.zones import zone_for_antenna
from planner.geometry.shapes import Ellipsoid


@dataclass(frozen=True)
class Protocol:
    device_id: str
    power_w: float
    time_s: float
    extension_mm: float = 15.0


@dataclass(frozen=True, eq=False)
class Shot:
    """One allowed placement: line, needle-tip depth, protocol, the zone, its clearance, what it covers."""

    line: object  # planner.planning.access.Line
    depth_mm: float
    protocol: Protocol
    centre_lps: np.ndarray
    axes: np.ndarray
    semi_axes_mm: np.ndarray
    clearance_mm: float
    covers: np.ndarray  # bool over the CTV points

    @cached_property
    def zone(self) -> Ellipsoid:
        """The zone as an ellipsoid (what :func:`zone_for_antenna` returns for this tip)."""
        return Ellipsoid(self.centre_lps, self.axes, self.semi_axes_mm)


def _sphere_points(n: int = 400) -> np.ndarray:
    """Fibonacci points on the unit sphere: the zone surface points where the canal clearance is read."""
    k = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * k / n)
    theta = np.pi * (1 + 5**0.5) * k
    return np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], -1)


UNIT_SPHERE = _sphere_points(400)


def surface_offsets(axes: np.ndarray, semi_axes_mm: np.ndarray) -> np.ndarray:
    """(400, 3) offsets from a zone's centre to its surface points (:data:`UNIT_SPHERE` mapped)."""
    return (UNIT_SPHERE * semi_axes_mm) @ axes


@dataclass(eq=False)
class ZoneBatch:
    """The zones of every allowed tip of some lines with one protocol, and their canal clearance."""

    protocol: Protocol
    lines: list
    line_index: np.ndarray   # (n,) which of ``lines`` each zone's needle follows
    depths_mm: np.ndarray    # (n,) needle-tip depth from the line's entry
    centres_lps: np.ndarray  # (n, 3)
    axes: list               # per line: (3, 3) rows = the zone's axes
    semi_axes_mm: np.ndarray  # (3,), one protocol: one size
    clearance_mm: np.ndarray  # (n,)
    _covers: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.depths_mm)

    def covers(self, n: int, ctv_points: np.ndarray, tree) -> np.ndarray:
        """Which CTV points zone ``n`` contains (algebraic test, as ``Ellipsoid.algebraic <= 1``)."""
        if n not in self._covers:
            c, axes = self.centres_lps[n], self.axes[self.line_index[n]]
            near = np.asarray(tree.query_ball_point(c, float(self.semi_axes_mm.max())), dtype=int)
            out = np.zeros(len(ctv_points), bool)
            if near.size:
                y = ((ctv_points[near] - c) @ axes.T) / self.semi_axes_mm
                out[near] = (y * y).sum(axis=1) <= 1.0
            self._covers[n] = out
        return self._covers[n]

    def shots(self, margin_mm: float, ctv_points: np.ndarray, tree) -> list[Shot]:
        """The placements whose zone keeps ``margin_mm`` (or more) off the canal, in batch order."""
        out = []
        for n in np.nonzero(~(self.clearance_mm < margin_mm))[0]:
            axes = self.axes[self.line_index[n]]
            out.append(Shot(self.lines[self.line_index[n]], float(self.depths_mm[n]), self.protocol,
                            self.centres_lps[n], axes, self.semi_axes_mm, float(self.clearance_mm[n]),
                            self.covers(int(n), ctv_points, tree)))
        return out


def zone_batch(lines, device: Device, protocol: Protocol, volume, sectors, canal,
               memo: dict | None = None) -> ZoneBatch:
    """Every allowed tip of ``lines`` whose antenna tip (tip + extension) lies in the body, with
    ``protocol``'s zone there and its canal clearance (``canal``: a
    :class:`~planner.planning.reach.CanalDistance`).

    ``memo``: a dict kept by the caller across the batches of the same lines (the proposal makes one
    batch per side and protocol: 24 protocols a side by default). What does not depend on the protocol is kept
    in it: a line's zone axes (:func:`zone_for_antenna`'s, a function of the line's direction alone)
    and which tips put the antenna in the body (a function of the extension alone); the semi-axes
    and the centre offset are a function of the protocol alone. The same arrays, to the last bit, as
    computing them for every line and protocol (issue 17: that was a third of the proposal's search)."""
    from planner.planning.access import antenna_in_body

    memo = {} if memo is None else memo
    used, index, depths, centres, axes, offsets = [], [], [], [], [], []
    semi = offset_mm = None
    for line in lines:
        if not len(line.tip_depths_mm):
            continue
        key = ("in body", line, protocol.extension_mm)
        if key not in memo:
            memo[key] = antenna_in_body(volume, sectors, line.entry_lps, line.direction, line.tip_depths_mm,
                                        protocol.extension_mm)
        t = line.tip_depths_mm[memo[key]]
        if not len(t):
            continue
        tips = line.entry_lps[None] + (t.astype(float) + protocol.extension_mm)[:, None] * line.direction[None]
        if semi is None:  # this protocol's zone once: its semi-axes (the same for every line)
            first = zone_for_antenna(tips[0], line.direction, device, protocol.power_w, protocol.time_s)
            semi = first.semi_axes_mm
            offset_mm = device.zone_dimensions(protocol.power_w, protocol.time_s).center_offset_mm
            memo.setdefault(("axes", line), first.axes)
        if ("axes", line) not in memo:  # the axes depend on the direction only (any protocol gives them)
            memo["axes", line] = zone_for_antenna(tips[0], line.direction, device, protocol.power_w,
                                                  protocol.time_s).axes
        line_axes = memo["axes", line]
        d = np.asarray(line.direction, dtype=float).reshape(3)
        d = d / np.linalg.norm(d)  # as zone_for_antenna normalises it
        zone_centres = tips - offset_mm * d[None]  # zone_for_antenna's centre, tip by tip
        used.append(line)
        index.append(np.full(len(t), len(used) - 1))
        depths.append(t.astype(float))
        centres.append(zone_centres)
        axes.append(line_axes)
        offsets.append(np.broadcast_to(surface_offsets(line_axes, semi), (len(t),) + UNIT_SPHERE.shape))
    if not used:
        z = np.zeros(0)
        return ZoneBatch(protocol, [], z.astype(int), z, np.zeros((0, 3)), [], np.ones(3), z)
    centres_lps = np.concatenate(centres)
    surf = np.concatenate(offsets) + centres_lps[:, None, :]
    clear = canal.clearances_at(surf, centres_lps)
    return ZoneBatch(protocol, used, np.concatenate(index), np.concatenate(depths), centres_lps, axes, semi, clear)
