"""Ablation zones as ellipsoids along the antenna, their union and volume, and the thermal shell.

Zone model (docs/ablation-model.md): a spheroid whose long axis lies along the antenna, with the
device table's full diameters, centred ``center_offset_mm`` back from the tip along the shaft.
These are predictions from ex vivo liver charts (Ruiter, Eur Radiol 2019), not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.ablation.devices import Device
from planner.geometry.raster import VoxelGrid, box_shape, rasterise_union, shape_box, union_box
from planner.geometry.shapes import Ellipsoid

# Tissue properties quoted in DOMAIN.md ("IT'IS database values as quoted elsewhere; checked
# second-hand"): density kg/m^3, specific heat J/(kg K), conductivity W/(m K). Tumour is an estimate.
TISSUE_PROPERTIES: dict[str, tuple[float, float, float]] = {
    "cortical_bone": (1908.0, 1313.0, 0.32),
    "cancellous_bone": (1178.0, 2274.0, 0.31),
    "red_marrow": (1029.0, 2666.0, 0.279),
    "muscle": (1090.0, 3421.0, 0.495),
    "spinal_cord": (1075.0, 3630.0, 0.513),
    "csf": (1007.0, 4096.0, 0.57),
    "tumour": (1050.0, 3540.0, 0.52),
}


def thermal_diffusivity_m2_s(tissue: str) -> float:
    """alpha = k / (rho c) in m^2/s for a tissue of :data:`TISSUE_PROPERTIES`."""
    try:
        rho, c, k = TISSUE_PROPERTIES[tissue]
    except KeyError:
        raise ValueError(f"unknown tissue '{tissue}' (known: {', '.join(TISSUE_PROPERTIES)})") from None
    return k / (rho * c)


def max_diffusivity_tissue() -> str:
    """The tissue with the largest diffusivity: using it makes conduction lengths err long (hot)."""
    return max(TISSUE_PROPERTIES, key=thermal_diffusivity_m2_s)


def conduction_length_mm(time_s: float, tissue: str | None = None) -> float:
    """Thermal conduction length sqrt(4 alpha t) in mm: the length scale of the erfc(x / sqrt(4 alpha t))
    temperature profile next to a heated boundary (Carslaw & Jaeger, Conduction of Heat in Solids).

    With DOMAIN.md's properties this is 11-13 mm after 300 s. ``tissue=None`` takes the most
    diffusive tissue of the table (tumour, alpha = 1.40e-7 m^2/s: 13.0 mm at 300 s), the
    conservative choice.
    """
    if time_s < 0:
        raise ValueError("time must be non-negative")
    alpha = thermal_diffusivity_m2_s(tissue or max_diffusivity_tissue())
    return float(np.sqrt(4.0 * alpha * time_s) * 1000.0)


@dataclass(frozen=True, eq=False)
class PlannedZone:
    """A predicted zone with what produced it: the shape plus the settings the thermal model needs.

    ``kind`` is the device kind (a cryo zone is cold); ``estimated`` is True when the table entries
    behind it are estimates; ``item_id`` lets findings point back to the plan item.
    """

    ellipsoid: Ellipsoid
    time_s: float
    power_w: float | None = None
    device_id: str = ""
    kind: str = "microwave"
    estimated: bool = True
    item_id: str = ""

    def contains(self, points):
        return self.ellipsoid.contains(points)

    def bounds_lps(self, margin_mm: float = 0.0):
        return self.ellipsoid.bounds_lps(margin_mm)

    def signed_distance(self, points):
        return self.ellipsoid.signed_distance(points)


def zone_for_antenna(tip_lps, direction_lps, device: Device, power_w: float | None, time_s: float,
                     isotherm_c: float | None = None) -> Ellipsoid:
    """Ellipsoid of the predicted zone of ``device`` at ``power_w`` for ``time_s``.

    ``direction_lps`` is a unit vector pointing from the entry toward the tip; the centre is
    ``tip - center_offset_mm * direction`` and the long axis lies along the antenna. Raises
    OutOfRangeError (from the device table) outside the tabulated powers and times.
    """
    d = np.asarray(direction_lps, dtype=float).reshape(3)
    norm = np.linalg.norm(d)
    if norm < 1e-9:
        raise ValueError("antenna direction must be a non-zero vector")
    d = d / norm
    dims = device.zone_dimensions(power_w, time_s, isotherm_c)
    centre = np.asarray(tip_lps, dtype=float).reshape(3) - dims.center_offset_mm * d
    return Ellipsoid.spheroid(centre, d, 0.5 * dims.long_axis_mm, 0.5 * dims.short_axis_mm)


def planned_zone(tip_lps, direction_lps, device: Device, power_w: float | None, time_s: float,
                 item_id: str = "", isotherm_c: float | None = None) -> PlannedZone:
    """:func:`zone_for_antenna` wrapped with the settings the analysis needs."""
    dims = device.zone_dimensions(power_w, time_s, isotherm_c)
    ell = zone_for_antenna(tip_lps, direction_lps, device, power_w, time_s, isotherm_c)
    return PlannedZone(ell, float(time_s), power_w, device.id, device.kind, dims.estimated, item_id)


def zone_volume_ml(zone) -> float:
    """Exact volume of one zone, 4/3 pi a b c, in mL."""
    ell = zone.ellipsoid if isinstance(zone, PlannedZone) else zone
    return ell.volume_ml


def union_volume_ml(grid: VoxelGrid, zones, supersample: int = 2) -> float:
    """Volume (mL) of the union of zones on ``grid``, counting each voxel by the fraction of its
    ``supersample**3`` sub-voxel centres inside any zone (exact for the sampled points, no random
    numbers; supersample=1 counts voxel centres). Work stays inside the zones' bounding box."""
    shapes = [z.ellipsoid if isinstance(z, PlannedZone) else z for z in zones]
    if not shapes:
        return 0.0
    box = None
    for s in shapes:
        box = union_box(box, shape_box(grid, s, margin_mm=float(max(grid.spacing_ijk_mm))))
    if box is None:
        return 0.0
    n = max(1, int(supersample))
    offsets = (np.arange(n) + 0.5) / n - 0.5
    total = 0
    m = grid.ijk_to_lps[:3, :3]
    for di in offsets:
        for dj in offsets:
            for dk in offsets:
                shift = m @ np.array([di, dj, dk])
                moved = [Ellipsoid(s.centre_lps - shift, s.axes, s.semi_axes_mm) for s in shapes]
                mask, _ = rasterise_union(grid, moved, box)
                total += int(mask.sum())
    return total * grid.voxel_volume_mm3 / n ** 3 / 1000.0


def thermal_shell_mask(grid: VoxelGrid, zones, time_s: float | None = None, tissue: str | None = None):
    """Voxels within the conduction length sqrt(4 alpha t) beyond the union surface, outside it.

    Returns ``(mask, box)`` (local mask and its slices). Each zone uses its own ``time_s`` when it is
    a PlannedZone (else ``time_s``). Exact distances (not an enlarged ellipsoid, which would be too
    small: the parallel body of an ellipsoid is not an ellipsoid).
    """
    items = []
    for z in zones:
        ell = z.ellipsoid if isinstance(z, PlannedZone) else z
        t = z.time_s if isinstance(z, PlannedZone) and time_s is None else time_s
        if t is None:
            raise ValueError("thermal_shell_mask needs time_s for plain ellipsoids")
        items.append((ell, conduction_length_mm(t, tissue)))
    box = None
    for ell, length in items:
        box = union_box(box, shape_box(grid, ell, margin_mm=length))
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), None
    pts = grid.box_points_lps(box)
    inside_any = np.zeros(len(pts), dtype=bool)
    near_any = np.zeros(len(pts), dtype=bool)
    for ell, length in items:
        q = ell.algebraic(pts)
        inside_any |= q <= 1.0
        # E(a) + ball(L) lies inside E(a (1 + L / a_min)) (a ball is inside the similar ellipsoid
        # scaled by L / a_min, and E(a) + E(s a) = E((1 + s) a)): a safe pre-filter.
        grown = ell.semi_axes_mm * (1.0 + length / ell.semi_axes_mm.min())
        y = ell.local(pts) / grown
        cand = ((y * y).sum(axis=1) <= 1.0) & (q > 1.0)
        if cand.any():
            near = np.zeros(len(pts), dtype=bool)
            near[cand] = ell.signed_distance(pts[cand]) <= length
            near_any |= near
    return (near_any & ~inside_any).reshape(box_shape(box)), box
