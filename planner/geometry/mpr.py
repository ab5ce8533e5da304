"""Resample a volume on a :class:`~planner.geometry.planes.SlicePlane` (multiplanar reformatting).

When the plane's axes run along the voxel axes (the usual axial / sagittal / coronal views of a
scanner-aligned volume, in any of the 48 axis permutations and flips, e.g. a prone patient) the slice is
taken straight from the array: exact voxels, no interpolation, no copy beyond a flip. Any other plane
is resampled with trilinear interpolation (vectorised numpy), outside the volume filled with air.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.volume import ImageVolume
from planner.geometry.planes import SlicePlane

AIR_HU = -1024
_PARALLEL_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class SliceImage:
    """A 2D resampled slice: ``pixels[row, col]``; col runs along the plane's u, row along v.

    The centre of pixel (col=0, row=0) lies at plane coordinates ``(a0_mm, b0_mm)``, and pixels are
    ``da_mm`` x ``db_mm``. ``h_mm`` is the slice's height above the plane (non-zero when the plane was
    snapped to the nearest voxel slice). ``inside`` is False when the plane misses the volume.
    """

    pixels: np.ndarray
    plane: SlicePlane
    a0_mm: float
    b0_mm: float
    da_mm: float
    db_mm: float
    h_mm: float = 0.0
    inside: bool = True

    @property
    def extent_mm(self) -> tuple[float, float, float, float]:
        """(a_min, a_max, b_min, b_max) of the pixel *edges* in plane coordinates."""
        rows, cols = self.pixels.shape
        return (
            self.a0_mm - self.da_mm / 2,
            self.a0_mm + (cols - 0.5) * self.da_mm,
            self.b0_mm - self.db_mm / 2,
            self.b0_mm + (rows - 0.5) * self.db_mm,
        )

    def plane_to_pixel(self, a_mm, b_mm) -> tuple[float, float]:
        """Plane coordinates (mm) to continuous (col, row)."""
        return (a_mm - self.a0_mm) / self.da_mm, (b_mm - self.b0_mm) / self.db_mm

    def pixel_to_lps(self, col, row) -> np.ndarray:
        """Continuous (col, row) to the LPS point on the slice."""
        a = self.a0_mm + np.asarray(col, dtype=float) * self.da_mm
        b = self.b0_mm + np.asarray(row, dtype=float) * self.db_mm
        return self.plane.to_lps(a, b, self.h_mm)


def _axis_match(volume: ImageVolume, vec_lps: np.ndarray) -> tuple[int, int] | None:
    """(ijk axis, sign) when ``vec_lps`` runs along one voxel axis, else None."""
    dots = volume.direction.T @ vec_lps
    axis = int(np.argmax(np.abs(dots)))
    if abs(abs(dots[axis]) - 1.0) > _PARALLEL_TOL:
        return None
    return axis, (1 if dots[axis] > 0 else -1)


def volume_corners_lps(volume: ImageVolume) -> np.ndarray:
    """The 8 corners of the volume's voxel *edges* (half a voxel beyond the outer centres), LPS."""
    ni, nj, nk = volume.shape_ijk
    corners = np.array(
        [[i, j, k] for i in (-0.5, ni - 0.5) for j in (-0.5, nj - 0.5) for k in (-0.5, nk - 0.5)]
    )
    return volume.to_lps(corners)


def is_axis_aligned(volume: ImageVolume, plane: SlicePlane) -> bool:
    """True when the plane's u, v and normal each run along a voxel axis (exact slicing possible)."""
    return all(_axis_match(volume, v) is not None for v in (plane.u_lps, plane.v_lps, plane.normal_lps))


def reslice(volume: ImageVolume, plane: SlicePlane, snap: bool = True, slab_mm: float = 0.0) -> SliceImage:
    """The slice of ``volume`` on ``plane``, covering the volume's whole projection on it.

    With ``snap`` and an axis-aligned plane, the nearest voxel slice is returned exactly; with
    ``slab_mm`` larger than the slice spacing it is the maximum over the voxel slices within
    +/- ``slab_mm`` / 2 (thick-slab MIP). Other planes are interpolated (no slab).
    """
    matches = [_axis_match(volume, v) for v in (plane.u_lps, plane.v_lps, plane.normal_lps)]
    if snap and all(m is not None for m in matches):
        return _aligned_slice(volume, plane, matches, slab_mm)
    return _interpolated_slice(volume, plane)


def _aligned_slice(volume: ImageVolume, plane: SlicePlane, matches, slab_mm: float = 0.0) -> SliceImage:
    (axis_u, sign_u), (axis_v, sign_v), (axis_n, _sign_n) = matches
    shape_ijk = volume.shape_ijk
    origin_ijk = volume.to_ijk(plane.origin_lps)
    index_n = int(np.floor(origin_ijk[axis_n] + 0.5))
    inside = 0 <= index_n < shape_ijk[axis_n]
    # Array axes are reversed ijk: ijk axis t is array axis 2 - t.
    if inside:
        half = int(slab_mm / volume.spacing_mm[axis_n] / 2) if slab_mm > 0 else 0
        sl = [slice(None)] * 3
        if half > 0:
            lo, hi = max(index_n - half, 0), min(index_n + half + 1, shape_ijk[axis_n])
            sl[2 - axis_n] = slice(lo, hi)
            two_d = volume.hu[tuple(sl)].max(axis=2 - axis_n)
        else:
            sl[2 - axis_n] = index_n
            two_d = volume.hu[tuple(sl)]
        # The remaining array axes, in order, correspond to these ijk axes:
        remaining = [t for t in (2, 1, 0) if t != axis_n]
        if remaining.index(axis_v) != 0:
            two_d = two_d.T  # rows must run along v, columns along u
        if sign_u < 0:
            two_d = two_d[:, ::-1]
        if sign_v < 0:
            two_d = two_d[::-1, :]
    else:
        fill = AIR_HU if np.issubdtype(volume.hu.dtype, np.signedinteger) or volume.hu.dtype.kind == "f" else 0
        two_d = np.full((shape_ijk[axis_v], shape_ijk[axis_u]), fill, dtype=volume.hu.dtype)
        index_n = min(max(index_n, 0), shape_ijk[axis_n] - 1)
    first_ijk = np.zeros(3)
    first_ijk[axis_u] = 0 if sign_u > 0 else shape_ijk[axis_u] - 1
    first_ijk[axis_v] = 0 if sign_v > 0 else shape_ijk[axis_v] - 1
    first_ijk[axis_n] = index_n
    a0, b0, h = plane.to_plane_coords(volume.to_lps(first_ijk))
    spacing = volume.spacing_mm
    return SliceImage(
        pixels=two_d, plane=plane, a0_mm=float(a0), b0_mm=float(b0),
        da_mm=spacing[axis_u], db_mm=spacing[axis_v], h_mm=float(h), inside=inside,
    )


def _interpolated_slice(volume: ImageVolume, plane: SlicePlane) -> SliceImage:
    ab = plane.to_plane_coords(volume_corners_lps(volume))[:, :2]
    a_min, b_min = ab.min(axis=0)
    a_max, b_max = ab.max(axis=0)
    step = float(min(volume.spacing_mm))
    cols = max(1, int(np.ceil((a_max - a_min) / step - 1e-6)))
    rows = max(1, int(np.ceil((b_max - b_min) / step - 1e-6)))
    a0, b0 = a_min + step / 2, b_min + step / 2
    # ijk of pixel (0,0) and the ijk step per column / row: the sampling grid is affine in ijk.
    m = volume.lps_to_ijk[:3, :3]
    start = volume.to_ijk(plane.to_lps(a0, b0))
    d_col = m @ (plane.u_lps * step)
    d_row = m @ (plane.v_lps * step)
    cc, rr = np.meshgrid(np.arange(cols, dtype=np.float32), np.arange(rows, dtype=np.float32))
    pts = [start[t] + cc * d_col[t] + rr * d_row[t] for t in range(3)]
    pixels = trilinear(volume.hu, pts[0], pts[1], pts[2])
    return SliceImage(pixels, plane, float(a0), float(b0), step, step, 0.0, True)


def trilinear(array_kji: np.ndarray, i, j, k, outside: float = AIR_HU) -> np.ndarray:
    """Trilinear interpolation of ``array_kji`` at continuous (i, j, k); ``outside`` beyond the grid."""
    nk, nj, ni = array_kji.shape
    i = np.asarray(i, dtype=np.float32)
    j = np.asarray(j, dtype=np.float32)
    k = np.asarray(k, dtype=np.float32)
    valid = (i > -0.5) & (i < ni - 0.5) & (j > -0.5) & (j < nj - 0.5) & (k > -0.5) & (k < nk - 0.5)
    ic = np.clip(i, 0, ni - 1)
    jc = np.clip(j, 0, nj - 1)
    kc = np.clip(k, 0, nk - 1)
    i0 = np.minimum(ic.astype(np.intp), max(ni - 2, 0))
    j0 = np.minimum(jc.astype(np.intp), max(nj - 2, 0))
    k0 = np.minimum(kc.astype(np.intp), max(nk - 2, 0))
    fi, fj, fk = ic - i0, jc - j0, kc - k0
    i1 = np.minimum(i0 + 1, ni - 1)
    j1 = np.minimum(j0 + 1, nj - 1)
    k1 = np.minimum(k0 + 1, nk - 1)
    a = array_kji
    c00 = a[k0, j0, i0] * (1 - fi) + a[k0, j0, i1] * fi
    c01 = a[k0, j1, i0] * (1 - fi) + a[k0, j1, i1] * fi
    c10 = a[k1, j0, i0] * (1 - fi) + a[k1, j0, i1] * fi
    c11 = a[k1, j1, i0] * (1 - fi) + a[k1, j1, i1] * fi
    c0 = c00 * (1 - fj) + c01 * fj
    c1 = c10 * (1 - fj) + c11 * fj
    out = c0 * (1 - fk) + c1 * fk
    return np.where(valid, out, np.float32(outside)).astype(np.float32)


def slice_step_mm(volume: ImageVolume, plane: SlicePlane) -> float:
    """The distance between neighbouring voxel slices along the plane's normal (for scrolling)."""
    match = _axis_match(volume, plane.normal_lps)
    if match is not None:
        return float(volume.spacing_mm[match[0]])
    return float(min(volume.spacing_mm))
