"""What the session's safety analysis will read when it checks a proposed needle (issue 17: every option
passes "the planner's own safety analysis"; the search's full re-check, :mod:`planner.planning.recheck`,
must read the same inputs or an option can show another breach grade than the safety panel once added).

``PlanningSession.corridor_job`` checks a needle of level ``L`` with the vertebra
``SessionAnatomy.vertebra_for`` links it to (the automatic vertebra holding the plan level ``L``'s centre,
under that name; else the plan's level ``L``, sized by the automatic vertebra near it), the cancellous threshold adapted to that vertebra's marrow (:mod:`planner.analysis.marrow`;
Pickhardt et al. 2013 for low-density marrow), and the patient's body mask. A proposed option adds
level ``L`` to the plan when it has none (:func:`planner.session.whole_target.add_option_command`), so
that level, as it will be added, is what links the needle here.
"""

from __future__ import annotations

from types import SimpleNamespace

from planner.analysis.corridor import CorridorParams
from planner.analysis.marrow import params_for_vertebra
from planner.plan.items import Level
from planner.planning.recheck import CorridorInputs


def proposal_corridor_inputs(session, level_frame) -> CorridorInputs:
    """:class:`CorridorInputs` for needles of the level ``level_frame`` (a
    :class:`~planner.anatomy.sectors.LevelFrame`, the CTV case's level) in ``session``; the planner's
    defaults when the automatic anatomy is off or unknown (the session's check then reads no more)."""
    anatomy = session.anatomy if session.auto_anatomy else None
    if anatomy is None or session.volume is None:
        return CorridorInputs()
    name = level_frame.name
    levels = tuple(session.plan.levels)
    if session.plan.level_named(name) is None:  # the option will add it (add_option_command)
        lf = level_frame
        levels += (Level(name, tuple(lf.centre_lps), axes=tuple(map(tuple, lf.axes)),
                         plane_point_lps=tuple(lf.plane_point_lps), body_depth_mm=lf.depth_mm),)
    needle = SimpleNamespace(level=name, tip_lps=tuple(level_frame.centre_lps))  # only its level is read
    vertebra = anatomy.vertebra_for(levels, needle)
    params = params_for_vertebra(CorridorParams(), session.volume, vertebra, session.lesion_inside())
    return CorridorInputs(params, anatomy.body(), vertebra)
