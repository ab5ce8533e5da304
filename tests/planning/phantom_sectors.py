"""Reference ISRC sectors of the synthetic sample, from the phantom's own implicit model.

Each voxel of a vertebra's ground-truth label takes the sector of the model part nearest to it
(smallest signed distance): body -> 1; pedicle -> 2 (left) / 6 (right); lamina, articular and
transverse processes -> 3 (left) / 5 (right); spinous process -> 4. Independent of
``planner.anatomy.sectors`` (which only sees the CT, the canal and the level geometry).
"""

from __future__ import annotations

import numpy as np

from planner.phantom.config import PhantomConfig
from planner.phantom.labels import VERTEBRA_LABELS
from planner.phantom.spine import body_sd, default_spine, frame_at, posterior_parts_sd

_PART_SECTOR = {("pedicle", 1): 2, ("pedicle", -1): 6, ("spinous", 0): 4}


def reference_sectors(labels: np.ndarray, volume, level: str) -> np.ndarray:
    """uint8 sector labels on the CT grid for the vertebra ``level`` of the sample's ground truth."""
    cfg = PhantomConfig()
    spec = next(s for s in default_spine() if s.name == level)
    k, j, i = np.nonzero(labels == VERTEBRA_LABELS[level])
    xyz = volume.to_lps(np.stack([i, j, k], -1).astype(float)) - np.asarray(cfg.anchor_lps)
    u, v, w = frame_at(cfg, spec.z_mm).to_local(xyz[:, 0], xyz[:, 1], xyz[:, 2])
    dists = [body_sd(spec, u, v, w)]
    sectors = [1]
    for name, side, d in posterior_parts_sd(spec, u, v, w):
        dists.append(d)
        sectors.append(_PART_SECTOR.get((name, side), 3 if side > 0 else 5))
    best = np.argmin(np.stack(dists), axis=0)
    out = np.zeros(labels.shape, np.uint8)
    out[k, j, i] = np.asarray(sectors, np.uint8)[best]
    return out
