"""Whole-target planning on a session: the level, its sectors, the GTV, the ISRC CTV, and proposals.

One place that ties the session's volume, canal and plan to :mod:`planner.anatomy.sectors` and
:mod:`planner.planning` (the headless ``propose`` command, the UI and training all use it), and that
turns a proposed option into plan items added as one undoable step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.anatomy.body_frame import body_frame_from_bone
from planner.anatomy.levels import LEVEL_ORDER
from planner.anatomy.levels_click import measure_body_at
from planner.anatomy.sectors import LevelFrame, SectorMap, bracket_by_foramina, sector_map
from planner.core.errors import PlannerError
from planner.core.frames import kji_to_ijk
from planner.geometry.raster import VoxelGrid, paste, rasterise
from planner.plan.commands_base import AddItem, MacroCommand
from planner.plan.items import Antenna, Level, Needle, Thermocouple
from planner.planning.ctv import CtvChoice, build_ctv
from planner.planning.ctv_own import restrict_to_own_arch
from planner.planning.propose import Option
from planner.session.level_search import known_vertebrae
from planner.session.session import PlanningSession
from planner.session.targets import target_shape


@dataclass(frozen=True, eq=False)
class CtvCase:
    level: LevelFrame
    sectors: SectorMap  # as found (the search's pedicle axes read these)
    own: SectorMap  # the arch sectors cut to the level's own bone (restrict_to_own_arch): the CTV's sectors
    gtv: np.ndarray
    ctv: np.ndarray
    choice: CtvChoice
    level_measured: bool  # False: the fallback frame from the bone (body cut by the scan)
    level_source: str = "plan"  # "given", "plan" (a plan or target level) or "automatic count" (check it)


def gtv_mask(session: PlanningSession) -> np.ndarray | None:
    """The lesion on the CT grid: mask targets, else the sphere / ellipsoid targets rasterised."""
    mask = session.lesion_mask()
    if mask is not None:
        return np.asarray(mask, bool)
    grid = VoxelGrid.of(session.volume)
    out = None
    for t in session.plan.targets:
        shape = target_shape(t)
        if shape is None:
            continue
        local, box = rasterise(grid, shape)
        if box is None:
            continue
        full = paste(session.volume.hu.shape, local, box)
        out = full if out is None else out | full
    return out


def _level_seed(session: PlanningSession, name: str | None, gtv: np.ndarray,
                cancel=None) -> tuple[str, np.ndarray, str]:
    """The level's name and a point in its body: the plan's level of that name, else the lesion's centre;
    without a name, the target's level, else the plan's level nearest the lesion, else the automatic
    vertebra (named by the count, planner.anatomy.spine_names) whose body or arch holds the lesion's centre
    (screenshot round of issue 17: with the levels named T6-S1 on loading, Propose access asked for a
    level the plan did not hold)."""
    plan = session.plan
    centre = session.volume.to_lps(kji_to_ijk(np.argwhere(gtv).mean(axis=0)))
    if name:
        level = plan.level_named(name)
        return name, np.asarray(level.body_centre_lps) if level is not None else centre, "given"
    named = [t.level for t in plan.targets if t.level]
    if named:
        level = plan.level_named(named[0])
        return named[0], np.asarray(level.body_centre_lps) if level is not None else centre, "plan"
    if plan.levels:
        nearest = min(plan.levels, key=lambda lv: float(np.linalg.norm(np.asarray(lv.body_centre_lps) - centre)))
        return nearest.name, np.asarray(nearest.body_centre_lps), "plan"
    vertebra, off = _automatic_vertebra(session, centre, cancel)
    if vertebra is not None and vertebra.name:
        return vertebra.name, np.asarray(vertebra.body_centre_lps, float), "automatic count"
    why = ("the vertebra that holds the lesion is found but not named: the scan does not show enough of the "
           "spine to count the levels" if vertebra is not None else off or "no vertebra found around the lesion")
    raise PlannerError(f"No level found ({why}). Mark the lesion's level with the level tool (V) or name it on "
                       "the target; on the command line, give --level (e.g. --level L2).")


def _automatic_vertebra(session: PlanningSession, point_lps, cancel=None):
    """(the automatic vertebra holding ``point_lps``, :func:`planner.analysis.vertebra_rule.vertebra_at`, or None;
    why there is none in words when the automatic vertebrae are off, "" otherwise). ``cancel`` stops the
    vertebrae's search when it runs now (JobCancelled)."""
    from planner.analysis.vertebra_rule import vertebra_at
    from planner.core.progress import JobCancelled

    anatomy = getattr(session, "anatomy", None)
    if anatomy is None or not getattr(session, "auto_anatomy", True):
        return None, "the automatic vertebrae are off"
    try:
        spine = anatomy.spine(cancel)
    except JobCancelled:
        raise
    except PlannerError:
        return None, ""
    return (vertebra_at(spine.vertebrae, point_lps) if spine is not None else None), ""


def level_frame(session: PlanningSession, name: str, seed_lps) -> tuple[LevelFrame, bool]:
    """The measured level (:func:`~planner.anatomy.levels_click.measure_body_at`), or the frame from the bone
    when no body can be measured there."""
    if name not in LEVEL_ORDER:
        raise PlannerError(f"Unknown vertebral level '{name}': use T1-T12, L1-L5 or S1.")
    try:
        return LevelFrame.of(measure_body_at(session.volume, seed_lps, name, known_vertebrae(session))), True
    except PlannerError:
        frame = body_frame_from_bone(session.volume, seed_lps, name, session.canal_mask)
        found = session.foramina.compute(session.volume, session.canal_mask, session.canal.version)
        frame = bracket_by_foramina(frame, seed_lps, found.foramina)  # the foramina bracket the vertebra
        return frame, False


def ctv_case(session: PlanningSession, level_name: str | None = None, override=None, cancel=None) -> CtvCase:
    """Level, sectors, GTV and CTV for the session's lesion (clear errors for each missing piece); ``cancel``
    reaches the automatic vertebrae's search when the level comes from it."""
    if session.volume is None:
        raise PlannerError("No images loaded.")
    gtv = gtv_mask(session)
    if gtv is None or not gtv.any():
        raise PlannerError("No lesion: draw, grow or import a target (GTV) first (or give --target PLAN.json).")
    name, seed, source = _level_seed(session, level_name, gtv, cancel)
    try:
        frame, measured = level_frame(session, name, seed)
    except PlannerError as exc:
        if session.plan.level_named(name) is not None:
            raise
        raise PlannerError(f"No vertebral body found where the lesion lies ({exc}): the lesion lies outside "
                           f"any vertebra, or mark level {name} on its body first.") from None
    sectors = sector_map(session.volume, frame, session.canal_mask, extra_mask=gtv)
    if override is None:
        level = session.plan.level_named(name)
        override = getattr(level, "ctv_sectors", None) if level is not None else None
    # the CTV from the level's own arch (the neighbours' processes cut off); the search's pedicle axes
    # still read the sectors as found
    own = restrict_to_own_arch(session.volume, sectors, session.canal_mask)
    ctv, choice = ctv_of(own, gtv, override)
    return CtvCase(frame, sectors, own, gtv, ctv, choice, measured, source)


def ctv_of(own: SectorMap, gtv: np.ndarray, override=None) -> tuple[np.ndarray, CtvChoice]:
    """The CTV and its choice from the level's own sectors (``CtvCase.own``): the one rule for the CTV
    :func:`ctv_case` builds and the one a sector toggle in the window redraws."""
    return build_ctv(own.labels, gtv, override)


def with_sectors(case: CtvCase, override=None) -> CtvCase:
    """``case`` with its CTV rebuilt for the sectors ``override`` (None: the ISRC rules), as
    :func:`ctv_case` builds it (the level's own arch, not the sectors as found)."""
    ctv, choice = ctv_of(case.own, case.gtv, override)
    return replace(case, ctv=ctv, choice=choice)


def option_items(option: Option, level_name: str) -> list:
    """Plan items (needles, antennas, a thermocouple) of one proposed option."""
    items = []
    for n in option.needles:
        needle = Needle(tuple(n.entry_lps), tuple(n.tip_lps), name=f"{level_name} {n.side} (proposed)",
                        level=level_name, approach=n.approach, side=n.side)
        items.append(needle)
        items.append(Antenna(needle.id, device_id=n.device_id, extension_mm=n.extension_mm, power_w=n.power_w,
                             time_s=n.time_s, cycles=n.cycles))  # named by its needle (planner.plan.labels)
    if option.thermocouple_tip_lps is not None:
        items.append(Thermocouple(tuple(option.thermocouple_entry_lps), tuple(option.thermocouple_tip_lps),
                                  name=f"{level_name} thermocouple (proposed)"))  # placed nearest the hottest canal
        # point (planner.planning.propose); a longer name was cut in the plan list and the plot's legend
    return items


def add_option_command(session: PlanningSession, option: Option, case: CtvCase) -> MacroCommand:
    """One undoable step adding the option (and the level, when the plan has none of that name)."""
    name = case.level.name
    commands = []
    if session.plan.level_named(name) is None:
        lf = case.level
        commands.append(AddItem(Level(name, tuple(lf.centre_lps), axes=tuple(map(tuple, lf.axes)),
                                      plane_point_lps=tuple(lf.plane_point_lps), body_depth_mm=lf.depth_mm)))
    commands += [AddItem(item) for item in option_items(option, name)]
    return MacroCommand(f"Add proposed access ({option.approach}) at {name}", commands)
