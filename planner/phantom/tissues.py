"""Nominal CT numbers of the phantom's tissues and the soft-tissue body around the spine.

Hounsfield units from DOMAIN.md ("Hounsfield units"): fat -120 to -90, CSF about 15, cancellous bone
300-400, cortical bone 500-1900, lytic metastasis soft-tissue density (about -30 to 80). Muscle, cord,
disc, blood and skin take common unenhanced CT values (estimates).
"""

from __future__ import annotations

import numpy as np

from planner.phantom.shapes import ellipse_sd

TISSUE_HU: dict[str, float] = {
    "air": -1000.0,
    "fat": -100.0,
    "epidural_fat": -90.0,
    "csf": 12.0,
    "cord": 35.0,
    "muscle": 50.0,
    "ligament": 60.0,
    "skin": 35.0,
    "blood": 40.0,
    "kidney": 32.0,
    "bowel": 25.0,
    "disc_annulus": 95.0,
    "disc_nucleus": 75.0,
    "cancellous_bone": 320.0,
    "posterior_element_bone": 420.0,
    "cortical_bone": 1150.0,
    "lesion": 40.0,
}

#: Anatomy y of the posterior skin surface at the midline (mm); skin to lamina about 45 mm.
BACK_SKIN_Y_MM = 60.0
SKIN_MM = 2.0


def body_outline_sd(x, y):
    """Signed distance (mm) to the skin: a wide ellipse with a shallow midline furrow of the back."""
    furrow = 4.0 * np.exp(-((x / 22.0) ** 2)) * (y > 0)
    return ellipse_sd(x, y + 45.0, 165.0, BACK_SKIN_Y_MM + 45.0) + furrow


def _axis_range(vals: np.ndarray, lo: float, hi: float) -> slice:
    idx = np.nonzero((vals >= lo) & (vals <= hi))[0]
    return slice(int(idx.min()), int(idx.max()) + 1) if idx.size else slice(0, 0)


def _paint_ellipse(hu, x, y, z, centre, radii, value: float, extent_z=None) -> None:
    """Paint ``value`` inside an axial ellipse (or an ellipsoid when ``extent_z`` = (zc, rz)).

    ``centre`` = (cx, cy) and ``radii`` = (ra, rb) may be arrays varying with z (shape (nk, 1, 1));
    only the bounding block of the shape is evaluated.
    """
    cx, cy = (np.asarray(c, dtype=np.float32) for c in centre)
    ra, rb = (np.asarray(r, dtype=np.float32) for r in radii)
    si = _axis_range(x.ravel(), float(np.min(cx - ra)), float(np.max(cx + ra)))
    sj = _axis_range(y.ravel(), float(np.min(cy - rb)), float(np.max(cy + rb)))
    q = ((x[:, :, si] - cx) / ra) ** 2 + ((y[:, sj, :] - cy) / rb) ** 2
    if extent_z is not None:
        zc, rz = extent_z
        q = q + ((z - zc) / rz) ** 2
    block = hu[:, sj, si]
    block[np.broadcast_to(q < 1.0, block.shape)] = value


def soft_tissue_hu(cfg, x, y, z) -> np.ndarray:
    """Clean (noise-free) HU of everything that is not spine: air, fat, skin, muscles and organs.

    ``x, y, z`` are broadcastable anatomy axis arrays (see :class:`planner.phantom.config.Grid`).
    """
    shape = np.broadcast_shapes(x.shape, y.shape, z.shape)
    hu = np.full(shape, TISSUE_HU["air"], dtype=np.float32)
    outline = body_outline_sd(x, y)  # independent of z: one axial slice, broadcast below
    hu[np.broadcast_to(outline < 0, shape)] = TISSUE_HU["fat"]
    yc = cfg.canal_y_mm(z).astype(np.float32)
    muscle = TISSUE_HU["muscle"]
    # Abdominal contents in front of the retroperitoneum (mostly cut off by the field of view).
    _paint_ellipse(hu, x, y, z, (0.0, -135.0), (150.0, 62.0), TISSUE_HU["bowel"])
    zr = z / 60.0
    for side, zk in ((1.0, 28.0), (-1.0, 18.0)):
        _paint_ellipse(hu, x, y, z, (side * 78.0, -30.0), (26.0, 20.0), TISSUE_HU["kidney"], (zk, 55.0))
        # Psoas grows from L1 down to L4; quadratus lumborum lateral to the transverse processes.
        _paint_ellipse(hu, x, y, z, (side * (31.0 - 5.0 * zr), yc - 22.0),
                       (12.0 - 6.0 * zr, 14.0 - 3.0 * zr), muscle)
        _paint_ellipse(hu, x, y, z, (side * 58.0, yc - 1.0), (17.0, 10.0), muscle)
        # Erector spinae and multifidus behind the laminae and transverse processes.
        _paint_ellipse(hu, x, y, z, (side * 36.0, yc + 25.0), (25.0, 18.0), muscle)
        _paint_ellipse(hu, x, y, z, (side * 14.0, yc + 25.0), (14.0, 17.0), muscle)
    _paint_ellipse(hu, x, y, z, (14.0, yc - 55.0), (11.0, 11.0), TISSUE_HU["blood"])  # aorta, left
    _paint_ellipse(hu, x, y, z, (-22.0, yc - 52.0), (13.0, 9.0), TISSUE_HU["blood"])  # IVC, right
    # Interspinous ligament and ligamentum flavum behind the canal.
    _paint_ellipse(hu, x, y, z, (0.0, yc + 25.0), (3.0, 16.0), TISSUE_HU["ligament"])
    _paint_ellipse(hu, x, y, z, (0.0, yc + 10.0), (14.0, 3.5), TISSUE_HU["ligament"])
    hu[np.broadcast_to((outline < 0) & (outline > -SKIN_MM), shape)] = TISSUE_HU["skin"]
    return hu
