"""The session's neural foramina: found beside the spinal canal, one mask per level and side (issue 13).

Qt-free and thread-safe. The masks depend only on the volume and the canal, so they are kept per canal
version (:attr:`planner.session.masks.VersionedMask.version`) and found again only when the canal
changes; the names ("L2-L3": the L2 root exits there, :mod:`planner.anatomy.foramina`) depend on the
levels and are given afresh from the plan's levels when it has any, else from the automatic vertebrae
that were named (:mod:`planner.anatomy.spine`). Finding them takes about 0.05 s on the shared lumbar
scan; the app still does it in its corridor worker (``CorridorRunner``), the headless commands inline.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np

from planner.anatomy.foramina import Foramen, find_foramina, name_foramen, union_mask

__all__ = ["ForaminaMixin", "ForaminaSet", "SessionForamina", "levels_for_naming"]


@dataclass(frozen=True, eq=False)
class ForaminaSet:
    """The foramina of one canal version: ``foramina`` (unnamed), their ``union`` (or None) and the
    ``canal_version`` they were found for; ``error`` says in words why none could be found."""

    canal_version: int
    foramina: tuple[Foramen, ...]
    union: np.ndarray | None
    error: str = ""
    _named: dict = field(default_factory=dict, repr=False)  # the last naming: levels -> named foramina

    def named(self, levels) -> tuple[Foramen, ...]:
        """The foramina named from ``levels`` (``(name, body_centre_lps)`` pairs). The same levels give
        back the same objects (each evaluation asks, a drag's every frame: issue 15)."""
        levels = tuple(levels)
        cached = self._named.get(levels)
        if cached is None:
            cached = tuple(replace(f, level=name_foramen(f, levels)) for f in self.foramina)
            self._named.clear()
            self._named[levels] = cached
        return cached


def levels_for_naming(plan_levels, anatomy) -> tuple[tuple[str, tuple], ...]:
    """``(name, body_centre_lps)`` pairs that name the foramina: the plan's levels when it has any,
    else the automatic vertebrae that were named (only when already computed: this may run on the GUI
    thread)."""
    plan = tuple((lv.name, tuple(float(c) for c in lv.body_centre_lps)) for lv in plan_levels if lv.name)
    if plan:
        return plan
    if anatomy is None or not anatomy.ready:
        return ()
    spine = anatomy.spine()
    return tuple((v.name, tuple(float(c) for c in v.body_centre_lps)) for v in spine.vertebrae if v.name)


class SessionForamina:
    """The foramina of the current canal, computed on demand (:meth:`compute`, any thread) and read
    without computing (:meth:`current`, the GUI thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._set: ForaminaSet | None = None

    def current(self, canal_version: int) -> ForaminaSet | None:
        """The set for ``canal_version`` when already found, else None (never computes)."""
        found = self._set
        return found if found is not None and found.canal_version == canal_version else None

    def compute(self, volume, canal_mask, canal_version: int, find=None) -> ForaminaSet:
        """The set for this canal (found now unless already known). ``canal_mask`` None: an empty set.
        ``find(volume, canal_mask)``: how they are found, :func:`find_foramina` by default (the headless
        ``analyze`` passes :meth:`planner.session.anatomy_state.SessionAnatomy.foramina`, the on-disk
        cache)."""
        with self._lock:
            found = self.current(canal_version)
            if found is not None:
                return found
            if canal_mask is None or volume is None:
                found = ForaminaSet(canal_version, (), None)
            else:
                try:
                    foramina = tuple((find or find_foramina)(volume, canal_mask))
                    found = ForaminaSet(canal_version, foramina, union_mask(foramina, volume.hu.shape))
                except (ValueError, MemoryError) as exc:
                    found = ForaminaSet(canal_version, (), None, f"The neural foramina could not be found: {exc}")
            self._set = found
            return found

    def store(self, found: ForaminaSet) -> None:
        """Keep a set computed elsewhere (the worker thread)."""
        with self._lock:
            self._set = found

    def clear(self) -> None:
        with self._lock:
            self._set = None


class ForaminaMixin:
    """The foramina part of :class:`planner.session.session.PlanningSession` (uses its ``volume``,
    ``canal``, ``plan``, ``anatomy``, ``auto_anatomy``, ``foramina``, ``extra_export_masks``)."""

    # --- neural foramina (issue 13) --------------------------------------------------------------
    def _foramina_key(self) -> tuple:
        """What the foramen mask handed to :func:`check_corridor` depends on: the canal version (None
        when the automatic anatomy is off and no foramen mask is used)."""
        return ("foramina", self.canal.version if self.auto_anatomy else None)

    def foramen_set(self) -> ForaminaSet | None:
        """The foramina of the current canal when already found (never computes), else None."""
        return self.foramina.current(self.canal.version) if self.auto_anatomy else None

    def foramina_job(self):
        """A function finding the current canal's foramina (safe in another thread: it reads the volume
        and a snapshot of the canal), or None when they are known or not used."""
        if not self.auto_anatomy or self.volume is None or self.foramen_set() is not None:
            return None
        volume, canal, version, store = self.volume, self.canal_mask, self.canal.version, self.foramina
        anatomy = self.anatomy

        def job() -> ForaminaSet:
            if anatomy is not None:
                anatomy.compute()  # the automatic vertebrae name the foramina (seconds: in the worker too)
            return store.compute(volume, canal, version)
        return job

    def foramina_found(self, found: ForaminaSet) -> None:
        """A worker found the foramina: re-evaluate when they belong to the current canal."""
        if found.canal_version == self.canal.version:
            self.evaluate_soon()  # issue 19: the zones' foramen distances in the window's worker

    def named_foramina(self) -> tuple:
        """The current canal's foramina named from the plan's levels, else the named automatic vertebrae."""
        found = self.foramen_set()
        return () if found is None else found.named(levels_for_naming(self.plan.levels, self.anatomy))

    @property
    def foramen_mask(self) -> np.ndarray | None:
        """All foramina of the current canal in one mask (None when not found or none)."""
        found = self.foramen_set()
        return None if found is None else found.union

    @property
    def export_masks(self) -> dict:
        """Masks the SEG / RTSTRUCT / mesh exports add to the canal, lesion and zones: the neural
        foramina (one segment per side, the levels in its name) and ``extra_export_masks``. A provider may
        put a function there instead of a mask: it is asked at export time and gives the mask (or
        ``(mask, kind)``) while it is current, else None (then nothing is exported for it)."""
        out = {}
        for name, value in self.extra_export_masks.items():
            value = value() if callable(value) else value
            if value is not None:
                out[name] = value
        foramina = self.named_foramina()
        if foramina and self.volume is not None:
            for side in ("left", "right"):
                these = [f for f in foramina if f.side == side]
                if these:
                    levels = ", ".join(f.level for f in these if f.level)
                    name = f"Neural foramina {side}" + (f" ({levels})" if levels else "")
                    out[name] = (union_mask(these, self.volume.hu.shape), "foramen")
        return out
