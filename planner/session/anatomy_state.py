"""The session's automatic anatomy: body mask and vertebrae of the loaded volume, computed once.

Qt-free; computed on first use (a headless ``analyze``, the first corridor check, or the app's
anatomy worker, :mod:`planner.ui.anatomy_job`, right after a load), then reused. A failure is kept as
a message, never raised: planning goes on with levels set by hand. The body and the vertebrae have
a lock each, so a thread that needs only the body (the 3D bone surface) never waits for the vertebrae
(seconds), and two threads asking for the vertebrae compute them once. :meth:`SessionAnatomy.decline`
(the user cancelled the search) is lock-free: the GUI thread never waits for a running computation,
and from then on :meth:`SessionAnatomy.spine` answers "no automatic levels" whatever that computation
finds. The body mask, the vertebrae and the automatic canal
go through the on-disk anatomy cache (:mod:`planner.anatomy.cache`, keyed by the series' content):
the same series opened again gets them back in milliseconds; ``cache_messages`` says in words when a
cache file was ignored.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from planner.analysis.vertebra_rule import body_outline_contains, vertebra_at
from planner.anatomy.body import BodyMask
from planner.anatomy.cache import AnatomyCache
from planner.anatomy.cache_parts import body_cached, canal_cached, foramina_cached, sectors_cached, spine_cached, volume_key
from planner.anatomy.canal import CanalSegmentation
from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine import SpineResult
from planner.core.errors import PlannerError
from planner.core.progress import Cancel, JobCancelled, check_cancel
from planner.core.volume import ImageVolume

__all__ = ["SessionAnatomy", "auto_level_labels", "confidence_word", "plan_level_geometry", "same_body_geometry"]

#: Body size used for a plan level that has no measured geometry (DOMAIN.md typical lumbar body).
_DEFAULT_BODY_MM = (45.0, 32.0, 27.0)  # width, depth, height


def plan_level_geometry(level, measured: LevelGeometry | None = None) -> LevelGeometry:
    """A plan ``Level`` item as a :class:`LevelGeometry` (sizes from the matching automatic vertebra,
    else typical ones), for the vertebra rule."""
    width, depth, height = ((measured.width_mm, measured.depth_mm, measured.height_mm) if measured is not None
                            else (_DEFAULT_BODY_MM[0], level.body_depth_mm or _DEFAULT_BODY_MM[1], _DEFAULT_BODY_MM[2]))
    centre = tuple(float(c) for c in level.body_centre_lps)
    axes = tuple(tuple(float(c) for c in row) for row in level.axes)
    return LevelGeometry(name=level.name, body_centre_lps=centre, axes_lps=axes,
                         plane_point_lps=tuple(level.plane_point_lps or centre),
                         plane_normal_lps=tuple(level.plane_normal_lps or axes[0]),
                         top_endplate_lps=centre, bottom_endplate_lps=centre, height_mm=height, width_mm=width,
                         depth_mm=depth, volume_ml=0.0, symmetry_score=1.0, complete=True)


def same_body_geometry(level, measured: LevelGeometry | None) -> LevelGeometry | None:
    """The automatic vertebra ``measured`` under the plan level's name when the level's centre lies in
    its body outline (the same body), else None. One measured body (centre, axes, sizes, endplates),
    not the plan's centre with that body's sizes: the plan's centre may be a click or a label's
    centroid some mm off the body's middle (the T12 training reference's: TotalSegmentator's body part
    cut at the canal's most anterior voxel, 4 mm anterior, 3 mm right and 1 mm caudal of the middle of
    the body's labels, tests/anatomy/test_marrow_body.py), and the measured outline moved there
    reaches past the anterior cortex and leaves the posterior wall out."""
    if measured is None or not body_outline_contains(measured, np.asarray(level.body_centre_lps, float))[()]:
        return None
    return replace(measured, name=level.name, confidence=1.0)  # the name is the user's word, as a plan level's


class SessionAnatomy:
    """Body mask and vertebrae of one volume (thread-safe lazy computation)."""

    def __init__(self, volume: ImageVolume, cache: AnatomyCache | None = None):
        self.volume = volume
        self.cache = cache if cache is not None else AnatomyCache()
        self._lock = threading.Lock()  # the body mask
        self._spine_lock = threading.Lock()  # the vertebrae
        self._body: BodyMask | None = None
        self._spine: SpineResult | None = None
        self._declined: SpineResult | None = None  # set (without a lock) when the user cancelled the search
        self.body_error = ""
        self._vertebra_memo: dict[tuple, tuple] = {}  # vertebra_for's last answers

    def compute(self) -> "SessionAnatomy":
        self.spine()
        return self

    @property
    def key(self) -> str:
        """The series' content key in the anatomy cache (hashed once per volume)."""
        return volume_key(self.volume)

    @property
    def cache_messages(self) -> tuple[str, ...]:
        """Cache files ignored or not written, in words (empty when all went well)."""
        return tuple(self.cache.messages)

    def canal(self, cancel: Cancel | None = None) -> CanalSegmentation:
        """The automatic spinal canal (:func:`planner.anatomy.canal.segment_canal`) through the cache;
        raises :class:`~planner.core.errors.PlannerError` like it when no canal is found (and
        :class:`~planner.core.progress.JobCancelled` once ``cancel()`` answers True)."""
        return canal_cached(self.volume, self.cache, self._key(), cancel=cancel)

    def foramina(self, volume: ImageVolume, canal_mask: np.ndarray) -> list:
        """The neural foramina beside ``canal_mask`` (:func:`planner.anatomy.foramina.find_foramina`)
        through the on-disk cache (keyed by the series and the canal mask); ``volume`` must be this
        anatomy's volume (the signature of :meth:`planner.session.foramina_state.SessionForamina.compute`'s
        ``find``)."""
        if volume is not self.volume:
            raise ValueError("the foramina were asked for another volume than the anatomy's")
        return foramina_cached(self.volume, canal_mask, self.cache, self._key())

    def sectors_present(self, canal_mask: np.ndarray | None) -> list[list[int]]:
        """For each automatic vertebra (feet to head), the ISRC sector numbers its sector map holds
        (:mod:`planner.anatomy.sector_presence`), through the on-disk cache (keyed by the series, the
        canal mask and the vertebrae)."""
        return sectors_cached(self.volume, self.spine().vertebrae, canal_mask, self.cache, self._key())

    def _key(self) -> str | None:
        return self.key if self.cache.enabled else None

    def body(self, cancel: Cancel | None = None) -> BodyMask | None:
        """The body mask (None when none was found: ``body_error`` says why). ``cancel`` is checked
        before it is computed and between its steps (1-2 s in all on the shared lumbar scan on a loaded
        2-core machine; :class:`~planner.core.progress.JobCancelled`, nothing kept)."""
        with self._lock:
            if self._body is None and not self.body_error:
                check_cancel(cancel, "the automatic search for the body outline")
                try:
                    self._body = body_cached(self.volume, self.cache, self._key(), cancel=cancel)
                except JobCancelled:
                    raise  # stopped, not failed: no body_error, the next call computes
                except PlannerError as exc:
                    self.body_error = str(exc)
            return self._body

    def known_body(self) -> BodyMask | None:
        """The body mask if it is already computed, else None: never computes or waits (for the GUI
        thread, e.g. the level labels keeping off the body while a worker is still finding it)."""
        return self._body

    def spine(self, cancel: Cancel | None = None) -> SpineResult:
        """The vertebrae (computed here on first use, seconds on a real scan); after :meth:`decline`,
        an empty result saying so. ``cancel`` (issue 19) stops the computation at its next body search
        (:class:`~planner.core.progress.JobCancelled`; nothing is kept: the next call computes)."""
        if self._declined is not None:
            return self._declined
        body = self.body(cancel)
        with self._spine_lock:
            if self._spine is None and self._declined is None:
                if body is None:
                    self._spine = SpineResult((), False, f"No spine was found: {self.body_error} "
                                                         "Set the levels by hand.")
                else:
                    self._spine = spine_cached(self.volume, body, self.cache, self._key(), cancel=cancel)
        declined = self._declined
        return declined if declined is not None else self._spine

    def set_spine(self, spine: SpineResult) -> None:
        """Replace the vertebrae (e.g. after the user renamed all levels by one)."""
        with self._spine_lock:
            self._spine = spine
        if self._declined is not None:
            self._declined = spine

    def decline(self, message: str) -> None:
        """No automatic vertebrae for this volume (the user cancelled the search): :meth:`spine` gives an
        empty result with ``message`` from now on. Never blocks (a plain assignment)."""
        self._declined = SpineResult((), False, message)

    def retry(self) -> None:
        """Undo :meth:`decline`: the next :meth:`spine` finds the vertebrae (or returns those found)."""
        self._declined = None

    @property
    def declined(self) -> bool:
        return self._declined is not None

    @property
    def ready(self) -> bool:
        """True when :meth:`spine` answers without computing."""
        return self._declined is not None or self._spine is not None

    def ready_spine(self) -> SpineResult | None:
        """The vertebrae when already known, else None (never computes nor waits: safe on the GUI
        thread). Not through :meth:`spine`, which asks for the body first: vertebrae given by
        :meth:`set_spine` before any body was found would have had the body mask computed here, on the
        GUI thread (1-2 s on the lumbar scan, issue 19)."""
        declined = self._declined
        return declined if declined is not None else self._spine

    def vertebra_for(self, plan_levels, needle) -> LevelGeometry | None:
        """The vertebra of a needle: its plan level when set (the automatic vertebra whose body holds
        the level's centre, under the level's name, :func:`same_body_geometry`; else the level's centre
        with the sizes of the automatic vertebra near it), else the vertebra its tip is in among the
        plan's levels (as above) and the automatic ones (named or not). ``plan_levels``: the plan's
        ``Level`` items (a snapshot is safe in a worker thread). Kept for the last few needle positions
        (issue 15: a drag's every move asks for both needles' vertebrae, the one not dragged unchanged):
        the answer depends only on the vertebrae, the plan's levels (immutable items: compared by
        identity) and the needle's level and tip."""
        spine = self.spine()
        plan_levels = tuple(plan_levels)
        key = (needle.level, tuple(float(c) for c in needle.tip_lps))
        memo = self._vertebra_memo
        kept = memo.get(key)
        if kept is not None and kept[0] is spine and len(kept[1]) == len(plan_levels) and all(
                a is b for a, b in zip(kept[1], plan_levels)):
            return kept[2]
        found = self._vertebra_for(spine, plan_levels, needle)
        if len(memo) >= 16:
            memo.clear()
        memo[key] = (spine, plan_levels, found)
        return found

    def _vertebra_for(self, spine, plan_levels, needle) -> LevelGeometry | None:
        if needle.level:
            level = next((lv for lv in plan_levels if lv.name == needle.level), None)
            auto = spine.vertebra_named(needle.level)
            if level is None:
                return auto
            near = vertebra_at(spine.vertebrae, level.body_centre_lps) if spine.vertebrae else None
            return same_body_geometry(level, near) or plan_level_geometry(level, near or auto)
        candidates = [self._plan_vertebra(lv, spine) for lv in plan_levels] + list(spine.vertebrae)
        return vertebra_at(candidates, np.asarray(needle.tip_lps))

    @staticmethod
    def _plan_vertebra(level, spine: SpineResult) -> LevelGeometry:
        near = vertebra_at(spine.vertebrae, level.body_centre_lps) if spine.vertebrae else None
        return same_body_geometry(level, near) or plan_level_geometry(level, near)

    def level_name_for(self, plan_levels, needle) -> str:
        """The level a needle belongs to: its own when set (the user's word wins), else the name of the
        vertebra its tip is in ("" when that vertebra is not named)."""
        if needle.level:
            return needle.level
        g = self.vertebra_for(plan_levels, needle)
        return g.name if g is not None else ""


#: Confidence in words for a clinician, from the naming rule's values (planner.anatomy.spine_names):
#: 0.95 when counting up from the sacrum and down from the last rib agree, 0.6 from one landmark only,
#: halved for a body seen only in part.
_CONFIDENCE_WORDS = ((0.9, "high"), (0.5, "moderate"), (0.0, "low"))


def confidence_word(confidence: float) -> str:
    """"high" (both landmarks agree), "moderate" (one landmark) or "low" (a partly seen body)."""
    return next(word for floor, word in _CONFIDENCE_WORDS if float(confidence) >= floor)


def auto_level_labels(spine: SpineResult | None, plan_levels=()) -> list[tuple[str, tuple, str]]:
    """``(label, body_centre_lps, name)`` of each automatically named vertebra that no plan level
    stands for (a plan level of the same name, or one whose centre lies in that vertebra: the user's
    level wins). The label says it is automatic and how sure: "L2 (auto, confidence high)"."""
    if spine is None:
        return []
    plan_levels = tuple(plan_levels)
    key = (spine, tuple((lv.name, tuple(map(float, lv.body_centre_lps))) for lv in plan_levels))
    if _LAST_AUTO_LABELS[0] != key:  # issue 15: each 2D paint of a drag asks, with the same answer
        _LAST_AUTO_LABELS[:] = [key, _auto_level_labels(spine, plan_levels)]
    return list(_LAST_AUTO_LABELS[1])


#: the last (spine, plan levels' names and centres) asked and its labels (a spine result is immutable,
#: compared by identity; held here so its id is not reused)
_LAST_AUTO_LABELS: list = [None, []]


def _auto_level_labels(spine: SpineResult, plan_levels: tuple) -> list[tuple[str, tuple, str]]:
    taken = {lv.name for lv in plan_levels}
    named = [v for v in spine.vertebrae if v.name]
    for lv in plan_levels:
        inside = vertebra_at(named, np.asarray(lv.body_centre_lps, float)) if named else None
        if inside is not None:
            taken.add(inside.name)
    return [(f"{v.name} (auto, confidence {confidence_word(v.confidence)})",
             tuple(float(c) for c in v.body_centre_lps), v.name) for v in named if v.name not in taken]
