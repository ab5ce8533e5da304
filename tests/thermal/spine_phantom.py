"""A labelled vertebra for the literature cases: body, cortical shell, canal with CSF and cord, one
foramen. LPS: x left, y posterior, z cranial; the body's posterior wall is the plane y = 0.

Dimensions are textbook-typical estimates (DOMAIN.md "Typical adult lumbar vertebra"): a body of
about 40 mm width and 30 mm depth with a ~1.5 mm cortical shell, a canal of 16 mm AP.
"""

from __future__ import annotations

import numpy as np

from planner.thermal.grid import ThermalGrid

BODY_DEPTH_MM = 30.0
BODY_HALF_WIDTH_MM = 20.0
CORTEX_MM = 1.5
CANAL_RADIUS_MM = 8.0
CORD_RADIUS_MM = 4.0


def phantom(tissues, spacing_mm: float = 1.0, body="cancellous_bone", lesion_radius_mm: float = 0.0,
            lesion_centre=(0.0, -12.0, 0.0)):
    """(grid, labels, masks) with masks 'canal', 'cord', 'foramen' (left)."""
    h = spacing_mm
    lo = np.array([-30.0, -BODY_DEPTH_MM - 8.0, -22.0])
    hi = np.array([30.0, 2 * CANAL_RADIUS_MM + 10.0, 22.0])
    n = np.ceil((hi - lo) / h).astype(int) + 1
    grid = ThermalGrid(tuple(lo), h, (int(n[2]), int(n[1]), int(n[0])))
    p = grid.points_lps()
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    L = tissues.label
    labels = np.full(grid.shape_kji, L("muscle"), np.uint8)
    # body: an elliptic cylinder along z, its posterior wall at y = 0
    cy = -BODY_DEPTH_MM / 2
    e = (x / BODY_HALF_WIDTH_MM) ** 2 + ((y - cy) / (BODY_DEPTH_MM / 2)) ** 2
    inner = (x / (BODY_HALF_WIDTH_MM - CORTEX_MM)) ** 2 + ((y - cy) / (BODY_DEPTH_MM / 2 - CORTEX_MM)) ** 2
    labels[e <= 1.0] = L("cortical_bone")
    labels[inner <= 1.0] = L(body)
    if lesion_radius_mm > 0:
        c = np.asarray(lesion_centre)
        labels[((p - c) ** 2).sum(-1) <= lesion_radius_mm ** 2] = L("lytic_lesion")
    rc = np.hypot(x, y - CANAL_RADIUS_MM - 0.5)
    canal = rc <= CANAL_RADIUS_MM
    cord = rc <= CORD_RADIUS_MM
    labels[canal] = L("csf")
    labels[cord] = L("cord")
    # left foramen: a 3 mm fat-filled ball beside the canal at the level of the posterior wall
    foramen = np.hypot(np.hypot(x - (CANAL_RADIUS_MM + 4.0), y - 4.0), z) <= 3.0
    labels[foramen] = L("fat")
    return grid, labels, {"canal": canal, "cord": cord, "foramen": foramen}


def ex_vivo(tissues):
    """The table with every perfusion set to 0 (cadaver / ex vivo experiments)."""
    for tid in tissues.ids:
        tissues = tissues.with_tissue(tid, perfusion_ml_min_kg=0.0)
    return tissues
