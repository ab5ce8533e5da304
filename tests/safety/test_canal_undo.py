"""Canal brush strokes go on the plan's undo stack (issue 15): one history, in the order of the edits."""

import numpy as np

from planner.core.volume import ImageVolume
from planner.plan import commands
from planner.plan.items import Needle
from planner.session.canal_tools import CanalBrushTool
from planner.session.session import PlanningSession


def _session():
    volume = ImageVolume(np.zeros((30, 40, 50), np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0))
    s = PlanningSession()
    s.set_volume(volume)
    s.set_canal(np.zeros(volume.hu.shape, bool))
    return s, volume


def test_canal_stroke_and_plan_edit_share_one_undo_stack():
    s, volume = _session()
    centre = volume.to_lps([25, 20, 15])
    brush = CanalBrushTool(s, "paint", radius_mm=4.0)
    brush.press(centre, "left"), brush.release(centre, "left")
    painted = s.canal_mask.copy()
    assert painted.any() and s.stack.undo_text == "Canal paint"
    v_painted = s.canal.version
    s.stack.push(commands.add_item(Needle((0, 0, 0), (10, 10, 10))))
    s.stack.undo()  # the needle first
    assert not s.plan.needles and np.array_equal(s.canal_mask, painted)
    s.stack.undo()  # then the stroke
    assert not s.canal_mask.any() and s.canal.version != v_painted
    assert s.evaluation is not None and not s.stack.can_undo
    s.stack.redo()
    assert np.array_equal(s.canal_mask, painted)


def test_undo_stroke_only_undoes_a_stroke():
    s, volume = _session()
    centre = volume.to_lps([25, 20, 15])
    brush = CanalBrushTool(s, "paint", radius_mm=4.0)
    brush.press(centre, "left"), brush.release(centre, "left")
    s.stack.push(commands.add_item(Needle((0, 0, 0), (10, 10, 10))))
    assert not brush.can_undo() and not brush.undo_stroke()  # the latest edit is the needle
    s.stack.undo()
    assert brush.undo_stroke() and not s.canal_mask.any()
