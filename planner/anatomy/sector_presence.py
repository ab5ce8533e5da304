"""Which of the six ISRC sectors (Cox et al., IJROBP 2012;83:e597-605) each vertebra of a scan shows.

``analyze --json`` reports ``levels[].sectors_present`` (issue 13): the sector numbers, 1 body, 2 left
pedicle, 3 left transverse process and lamina, 4 spinous process, 5 right transverse process and
lamina, 6 right pedicle (:data:`planner.anatomy.sectors.SECTOR_NAMES`), whose part of the vertebra's
sector map (:func:`planner.anatomy.sectors.sector_map`, the one the CTV is built from) holds at least
:data:`MIN_SECTOR_ML`. A vertebra cut by the scan's edge, or an arch destroyed by a lesion, lists
fewer than six; a whole lumbar vertebra lists all six.

A sector map costs about 0.1 s of CPU on a real scan (smoothing, hole filling and labelling in the
vertebra's box, :func:`planner.anatomy.sectors.sector_labels_in_box`: only the box is counted, never
the whole volume), so the vertebrae are mapped two at a time (scipy.ndimage's filters release the
GIL) and the answers go through the anatomy cache (:func:`planner.anatomy.cache_parts.sectors_cached`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from planner.anatomy.sectors import SECTORS, sector_labels_in_box
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

#: Least volume of a sector for it to count as present: 0.1 mL, about a 4.6 mm cube, above the
#: few stray voxels a neighbour's cortex or a rib head can leave in a sector (docs/ctv.md).
MIN_SECTOR_ML = 0.1

#: Vertebrae mapped side by side (the machine this is tuned for has 2 cores).
WORKERS = 2


def sectors_present(volume: ImageVolume, level, canal_mask: np.ndarray | None,
                    min_ml: float = MIN_SECTOR_ML) -> list[int]:
    """The ISRC sector numbers (ascending) with at least ``min_ml`` in ``level``'s sector map; an empty
    list when the vertebra's bone cannot be mapped (said by the sector map's own message, not raised:
    one vertebra's failure does not hide the others')."""
    try:
        _, labels, _ = sector_labels_in_box(volume, level, canal_mask)  # the map's labels, in its box
    except PlannerError:
        return []
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    counts = np.bincount(labels.ravel(), minlength=7)
    return [s for s in SECTORS if counts[s] * voxel_ml >= min_ml]


def sectors_present_all(volume: ImageVolume, vertebrae, canal_mask: np.ndarray | None,
                        min_ml: float = MIN_SECTOR_ML) -> list[list[int]]:
    """:func:`sectors_present` of each vertebra, in their order, :data:`WORKERS` at a time."""
    vertebrae = list(vertebrae)
    if len(vertebrae) <= 1:
        return [sectors_present(volume, v, canal_mask, min_ml) for v in vertebrae]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sectors") as pool:
        return list(pool.map(lambda v: sectors_present(volume, v, canal_mask, min_ml), vertebrae))
