"""Slice geometry: sort by position along the normal, find duplicates, gaps, uneven spacing, shear.

Slices are ordered by the projection of Image Position (Patient) (0020,0032) on the slice normal,
the cross product of the row and column cosines of Image Orientation (Patient) (0020,0037)
(PS3.3 C.7.6.2.1.1), never by Instance Number or file name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.core.errors import LoadError
from planner.imaging._common import name_files, spacing_problem
from planner.imaging.functional_groups import FrameGeometry
from planner.imaging.headers import FileHeader

#: Two slices closer than this along the normal are at the same position (duplicates).
DUPLICATE_TOLERANCE_MM = 0.01


def spacing_tolerance_mm(spacing_mm: float) -> float:
    """Slice steps within 1 % (at least 0.01 mm) of the median step count as regular."""
    return max(0.01, 0.01 * spacing_mm)


@dataclass(frozen=True)
class Slice:
    """One frame of one file, with its geometry."""

    header: FileHeader
    frame: int
    geometry: FrameGeometry

    @property
    def path(self) -> str:
        return self.header.path


@dataclass(frozen=True, eq=False)
class StackGeometry:
    """Sorted slices and the regular grid they will be put on."""

    slices: tuple[Slice, ...]           # sorted along the normal, duplicates still present
    duplicate_groups: tuple[tuple[int, ...], ...]  # indices into ``slices`` sharing a position
    direction: np.ndarray               # columns: row (i), column (j), normal (k) unit vectors
    spacing_ij_mm: tuple[float, float]
    normal_mm: np.ndarray               # position of each slice along the normal
    inplane_mm: np.ndarray              # (n, 2) offset of each slice's first pixel along i and j


def orthonormal_axes(orientation) -> np.ndarray:
    """3x3 direction (columns i, j, k) from the 6 cosines of (0020,0037), re-orthonormalised."""
    r = np.asarray(orientation[:3], dtype=float)
    c = np.asarray(orientation[3:], dtype=float)
    r /= np.linalg.norm(r)
    c -= (r @ c) * r
    c /= np.linalg.norm(c)
    return np.column_stack([r, c, np.cross(r, c)])


def build_stack(headers: list[FileHeader]) -> StackGeometry:
    """Sort every frame of every header along the slice normal and find same-position groups."""
    slices = [Slice(h, f, g) for h in headers for f, g in enumerate(h.frames)]
    direction = orthonormal_axes(slices[0].geometry.orientation)
    positions = np.array([s.geometry.position_lps for s in slices], dtype=float)
    along = positions @ direction[:, 2]
    order = np.argsort(along, kind="stable")
    slices = [slices[i] for i in order]
    positions, along = positions[order], along[order]
    inplane = (positions - positions[0]) @ direction[:, :2]
    groups, current = [], [0]
    for n in range(1, len(slices)):
        if along[n] - along[current[0]] < DUPLICATE_TOLERANCE_MM:
            current.append(n)
        else:
            if len(current) > 1:
                groups.append(tuple(current))
            current = [n]
    if len(current) > 1:
        groups.append(tuple(current))
    ps = slices[0].geometry.pixel_spacing
    return StackGeometry(tuple(slices), tuple(groups), direction, (ps[1], ps[0]), along, inplane)


def duplicate_keep_mask(stack: StackGeometry, hu: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Drop identical duplicates (same position and same pixels) with a warning; refuse conflicts."""
    keep = np.ones(len(stack.slices), dtype=bool)
    dropped: list[str] = []
    for group in stack.duplicate_groups:
        first = group[0]
        for other in group[1:]:
            a, b = stack.slices[first], stack.slices[other]
            same_plane = np.allclose(stack.inplane_mm[first], stack.inplane_mm[other], atol=DUPLICATE_TOLERANCE_MM)
            if not same_plane or not np.array_equal(hu[first], hu[other]):
                raise LoadError(
                    f"Two different images claim the same slice position "
                    f"({stack.normal_mm[first]:.2f} mm along the slice normal): "
                    f"{name_files([a.path, b.path])}. The series mixes two acquisitions; "
                    "remove one of them or choose another series.",
                    (a.path, b.path),
                )
            keep[other] = False
            dropped.append(f"{name_files([b.path], 1)} (same as {name_files([a.path], 1)})")
    warnings = []
    if dropped:
        listed = "; ".join(dropped[:4]) + (f" and {len(dropped) - 4} more" if len(dropped) > 4 else "")
        warnings.append(
            f"{len(dropped)} duplicate image(s) at the same position with identical pixels were "
            f"ignored: {listed}."
        )
    return keep, warnings


@dataclass(frozen=True)
class GridPlan:
    """Where the output slices lie along the normal and whether resampling is needed."""

    out_normal_mm: np.ndarray
    spacing_k_mm: float
    regular: bool
    sheared: bool
    warnings: tuple[str, ...]


def _describe_steps(paths: list[str], along: np.ndarray, steps: np.ndarray, spacing: float, tol: float) -> str:
    bad = np.nonzero(np.abs(steps - spacing) > tol)[0]
    parts = []
    for n in bad[:3]:
        kind = "gap" if steps[n] > spacing else "step"
        parts.append(f"{kind} of {steps[n]:.2f} mm between {name_files([paths[n]], 1)} and "
                     f"{name_files([paths[n + 1]], 1)}")
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return "; ".join(parts) + more


def plan_grid(stack: StackGeometry, keep: np.ndarray) -> GridPlan:
    """Decide the output grid along the normal; warn on uneven spacing, tilt and thickness."""
    along = stack.normal_mm[keep]
    inplane = stack.inplane_mm[keep]
    paths = [s.path for s, k in zip(stack.slices, keep) if k]
    if len(along) < 2:
        raise LoadError("Only one distinct slice position remains: the series is not a 3-D volume.", paths)
    steps = np.diff(along)
    spacing = float(np.median(steps))
    problem = spacing_problem([spacing], "The spacing between slices (from Image Position (Patient) (0020,0032))")
    if problem:
        raise LoadError(f"{problem}; the series cannot be loaded.", paths)
    tol = spacing_tolerance_mm(spacing)
    warnings: list[str] = []
    regular = bool(np.all(np.abs(steps - spacing) <= tol))
    out = along.copy()
    if not regular:
        n_out = int(round((along[-1] - along[0]) / spacing)) + 1
        if n_out > 10 * len(along):
            raise LoadError(f"The slices span {along[-1] - along[0]:.0f} mm but are {spacing:.2f} mm apart where "
                            f"they are closest: {len(along)} slices would become {n_out}; the positions "
                            "(0020,0032) are probably corrupt.", paths)
        out = np.linspace(along[0], along[-1], n_out)
        spacing = float(out[1] - out[0])
        warnings.append(
            f"The slices are not evenly spaced ({_describe_steps(paths, along, steps, float(np.median(steps)), tol)}; "
            f"usual spacing {np.median(steps):.2f} mm). The volume was resampled onto a regular "
            f"{spacing:.2f} mm grid of {n_out} slices by linear interpolation along the slice normal; "
            "interpolated slices are estimates."
        )
    si, sj = stack.spacing_ij_mm
    shear_px = np.abs(inplane / np.array([si, sj]))
    sheared = bool(shear_px.max() > 0.05)
    if sheared:
        slope = np.polyfit(along - along[0], inplane, 1)[0]
        tilt_deg = math.degrees(math.atan(float(np.hypot(*slope))))
        warnings.append(
            f"The slices are shifted sideways from one to the next (gantry tilt or sheared stack, "
            f"about {tilt_deg:.1f} degrees). The volume was resampled onto a rectangular grid; "
            "voxels outside the scanned region are set to air (-1024 HU)."
        )
    thick = [s.geometry.slice_thickness_mm for s in stack.slices if s.geometry.slice_thickness_mm]
    if thick:
        thickness = float(np.median(thick))
        if abs(thickness - spacing) > max(0.01, 0.02 * spacing):
            kind = "overlapping slices" if thickness > spacing else "gaps between the slices"
            warnings.append(
                f"Slice Thickness (0018,0050) is {thickness:.2f} mm but the slices are {spacing:.2f} mm "
                f"apart ({kind}). Distances use the {spacing:.2f} mm spacing between slice positions."
            )
    return GridPlan(out, spacing, regular, sheared, tuple(warnings))
