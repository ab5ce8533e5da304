"""The corridor check's cancellous-bone threshold, from the patient's own vertebral marrow.

The corridor check (:mod:`planner.analysis.corridor`) counts as bone cortical bone (>= 500 HU, filled)
plus cancellous bone above ``cancellous_hu``, 200 HU by default. On an osteoporotic vertebra (the
shared T11-T12 scan's T12: marrow 100-190 HU) a needle down the middle of the pedicle would get a
medial "breach". So the threshold adapts to the vertebra the needle is linked to, by the marrow rule
of :mod:`planner.anatomy.marrow` (the 10th percentile of its body core's HU, capped at the default,
never below 100 HU; Pickhardt et al., Ann Intern Med 2013; the module text gives the sources). The
rule lives in the anatomy layer, where the ISRC sectors use it too; it is re-exported here.
The lesion itself counts as inside the vertebra by :mod:`planner.analysis.vertebra_rule`.
"""

from __future__ import annotations

from dataclasses import replace

from planner.anatomy.levels import LevelGeometry
from planner.anatomy.marrow import (FAT_CEILING_HU, FLOOR_HU, GUARD_PERCENTILE, PERCENTILE, cancellous_threshold_hu,
                                    marrow_core_hu, vertebra_bone_hu)
from planner.core.volume import ImageVolume

__all__ = ["FAT_CEILING_HU", "FLOOR_HU", "GUARD_PERCENTILE", "PERCENTILE", "cancellous_threshold_hu",
           "marrow_core_hu", "params_for_vertebra", "vertebra_bone_hu"]


def params_for_vertebra(params, volume: ImageVolume, vertebra: LevelGeometry | None, lesion_inside=None):
    """``params`` (a :class:`planner.analysis.corridor.CorridorParams`) with the cancellous threshold
    of ``vertebra``'s marrow (the target lesion, when given, left out); unchanged without a vertebra."""
    if vertebra is None:
        return params
    threshold = vertebra_bone_hu(volume, vertebra, params.cancellous_hu, lesion_inside)
    return params if threshold == params.cancellous_hu else replace(params, cancellous_hu=threshold)
