"""A neural foramen's mask out to its exit, lateral to the pedicles' outer edge.

The foramen is a canal, not a slit: the nerve root runs from the lateral recess (its entrance zone) under
the pedicle (the mid-zone) to the exit zone at the pedicle's lateral border, where it leaves for the psoas
(Lee, Rauschning and Glenn 1988, Spine 13:313, "Lateral lumbar spinal canal stenosis"; DOMAIN.md "Access
geometry"). The probe of :mod:`planner.anatomy.foramina` reaches ``probe_mm`` (12 mm) from the canal's
lateral edge, short of the exit where the pedicle is wide (L5: 13.6 mm outer width, Kaur et al. 2016,
DOMAIN.md): on the shared lumbar scan the L5-S1 masks held 101 and 138 voxels, the inner part only.

Here each foramen's slices get the probe's non-bone voxels from the canal's edge out to the outer edge of
the pedicles bounding it plus ``exit_mm``. The pedicles' outer edge is measured on the pedicle slices
within ``pedicle_reach_mm`` above and below the foramen: in the probe's band, the bone (with what its
cortex encloses) connected to the canal's lateral edge, its farthest point from that edge; the median over
those slices. ``exit_mm`` (3 mm, the planner's choice, an estimate: the exit zone's width is not given in
the sources) takes in the exit zone just lateral to the pedicle's border.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")

__all__ = ["ExitParams", "pedicle_outer_mm", "extend_to_exit"]


@dataclass(frozen=True)
class ExitParams:
    exit_mm: float = 3.0
    #: how far out from the canal's edge the pedicle may reach: the widest pedicle, L5's (outer width 13.6 mm,
    #: Kaur et al. 2016, DOMAIN.md), angled about 30 degrees medially (DOMAIN.md, an estimate) spans
    #: 13.6 / cos 30 = 15.7 mm across. The cap keeps the transverse process, which leaves the pedicle
    #: laterally at the same height (L5 of the shared lumbar scan, k 23-24), out of the pedicle's width.
    max_pedicle_mm: float = 16.0
    #: bone within this distance of the canal's edge counts as touching it (the pedicle's medial cortex)
    touch_mm: float = 2.5


def _band(lat: np.ndarray, ap: np.ndarray, edge: float, ap0: float, band_mm: float, reach_mm: float) -> np.ndarray:
    return (lat > edge) & (lat <= edge + reach_mm) & (np.abs(ap - ap0) <= band_mm)


def pedicle_outer_mm(bone2d: np.ndarray, lat: np.ndarray, ap: np.ndarray, edge: float, ap0: float,
                     band_mm: float, e: ExitParams) -> float | None:
    """On one pedicle slice: the farthest lateral distance (mm from the canal's edge ``edge``) of the bone
    in the probe's band that touches the canal's edge; None when no bone touches it."""
    region = _band(lat, ap, edge, ap0, band_mm, e.max_pedicle_mm) & bone2d
    if not region.any():
        return None
    labels, _n = ndimage.label(region)
    touching = np.unique(labels[region & (lat <= edge + e.touch_mm)])
    touching = touching[touching > 0]
    if touching.size == 0:
        return None
    part = np.isin(labels, touching)
    return float(lat[part].max() - edge)


def extend_to_exit(probe: np.ndarray, runs, pedicle: np.ndarray, edges: np.ndarray, ap0s: np.ndarray,
                   bone: np.ndarray, canal: np.ndarray, lat: np.ndarray, ap: np.ndarray, band_mm: float,
                   probe_mm: float, near: int, e: ExitParams | None = None) -> np.ndarray:
    """``probe`` (slices of the side's stack) with each run's slices widened out to the exit.

    ``pedicle``/``edges``/``ap0s``: per slice, pedicle slice or not, the canal's lateral edge and the
    band's centre (mm, NaN where the canal is absent); ``bone``/``canal``: the stack's bone (filled) and
    canal masks on the same slices; ``lat``/``ap``: mm toward the side and toward posterior, per pixel."""
    e = e or ExitParams()
    out = probe.copy()
    n = len(pedicle)
    for a, b in runs:
        outer = []
        for m in list(range(max(0, a - near), a)) + list(range(b, min(n, b + near))):
            if pedicle[m] and np.isfinite(edges[m]):
                d = pedicle_outer_mm(bone[m] & ~canal[m], lat, ap, edges[m], ap0s[m], band_mm, e)
                if d is not None:
                    outer.append(d)
        reach = max(probe_mm, float(np.median(outer)) + e.exit_mm) if outer else probe_mm
        for m in range(a, b):
            if np.isfinite(edges[m]):
                out[m] = _band(lat, ap, edges[m], ap0s[m], band_mm, reach) & ~bone[m] & ~canal[m]
    return out
