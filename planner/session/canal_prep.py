"""The canal's :class:`~planner.analysis.overlap.PreparedCanal`, built when an analysis first needs it.

Preparing a canal (its boundary voxels and the sub-voxel band from the HU,
:mod:`planner.analysis.canal_boundary`) takes about a second on a real scan; a case opened without a
zone (``analyze`` of a series alone, a plan with needles only) never uses it (issue 13: ``analyze``
end to end within twice the time of reading the series). A canal prepared elsewhere (the load worker)
on the session's own grid is taken as it is.
"""

from __future__ import annotations

import numpy as np

from planner.analysis.overlap import PreparedCanal


class CanalPreparation:
    """Holds the canal mask and its prepared form; :meth:`get` builds the latter on first use."""

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None
        self._grid = None
        self._hu: np.ndarray | None = None
        self._prepared: PreparedCanal | None = None

    def set(self, grid, mask: np.ndarray | None, hu: np.ndarray | None,
            prepared: PreparedCanal | None = None) -> None:
        """A new canal ``mask`` on ``grid`` (None: no canal); ``prepared`` is used only when it was
        built on this very grid, else the mask is prepared again on first use."""
        self._mask, self._grid, self._hu = mask, grid, hu
        reuse = mask is not None and prepared is not None and prepared.grid is grid
        self._prepared = prepared if reuse else None

    def clear(self) -> None:
        self.set(None, None, None)

    def get(self) -> PreparedCanal | None:
        """The prepared canal (built now when it was not yet), or None without a canal."""
        if self._prepared is None and self._mask is not None:
            self._prepared = PreparedCanal.build(self._grid, self._mask, self._hu)
        return self._prepared
