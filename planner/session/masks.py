"""One owner per derived mask (spinal canal, lesion), with a version number that every cache keys on.

A mask is replaced (never edited behind the owner's back): :meth:`VersionedMask.set` takes the new
array and bumps ``version``; edits made in place (the canal brush) end with :meth:`touch`, which
bumps it too. A cache holding ``version`` is therefore stale exactly when the number differs.
"""

from __future__ import annotations

import itertools

import numpy as np

_versions = itertools.count(1)  # one counter for all owners: a version number is never reused


class VersionedMask:
    """A boolean mask on the volume's grid (or None) and its version."""

    def __init__(self, name: str):
        self.name = name
        self.mask: np.ndarray | None = None
        self.version = next(_versions)

    def set(self, mask: np.ndarray | None, shape: tuple[int, ...] | None) -> np.ndarray | None:
        """Replace the mask; ValueError naming the mask when its shape is not ``shape``."""
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if shape is None or mask.shape != tuple(shape):
                raise ValueError(f"The {self.name} mask {mask.shape} does not match the loaded volume's grid "
                                 f"{shape}.")
        self.mask = mask
        self.version = next(_versions)
        return mask

    def touch(self) -> None:
        """The array was edited in place: consumers must recompute."""
        self.version = next(_versions)
