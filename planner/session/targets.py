"""Plan targets as geometry: a sphere or ellipsoid ``Target`` item as an :class:`Ellipsoid` (a mask target
is set on the session separately, as a versioned mask)."""

from __future__ import annotations

import numpy as np

from planner.geometry.shapes import Ellipsoid
from planner.plan.items import Target


def target_shape(target: Target) -> Ellipsoid | None:
    """A sphere or ellipsoid target as an :class:`Ellipsoid`; None for a mask target."""
    if target.kind not in ("sphere", "ellipsoid"):
        return None
    return Ellipsoid(np.asarray(target.centre_lps), np.asarray(target.axes), np.asarray(target.semi_axes_mm))
