"""Screenshot round of issue 17: with a target and no antenna yet, the findings read "The zones cover 0.0%
of the target; part of it lies up to 0.0 mm outside" beside "Predicted zones: none yet". With no zone the
target's finding says so in words; with a zone, the usual coverage finding."""

from __future__ import annotations

import json

from planner.analysis.rules.codes import Code
from planner.core.resources import sample_dir
from planner.plan.items import Antenna, Needle, Target
from planner.session.session import PlanningSession


def test_a_target_without_a_zone_is_said_uncovered_in_words(sample_volume, sample_canal):
    truth = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(sample_volume)
    s.set_canal(sample_canal.mask.copy())
    lesion = truth["lesion"]
    s.plan.insert(Target(tuple(lesion["centre_lps"]), kind="ellipsoid", semi_axes_mm=tuple(lesion["semi_axes_mm"])))
    ev = s.evaluate(corridors=False)
    (finding,) = [f for f in ev.findings if f.code == Code.TARGET_NOT_COVERED]
    assert finding.message.startswith("No predicted zone yet") and "0.0 mm" not in finding.message
    ped = truth["vertebrae"]["L2"]["pedicles"]["left"]
    needle = Needle(tuple(ped["entry_lps"]), tuple(ped["target_lps"]), level="L2", side="left")
    s.plan.insert(needle)
    s.plan.insert(Antenna(needle.id, power_w=30.0, time_s=180.0))
    ev = s.evaluate(corridors=False)
    coverage = [f for f in ev.findings if f.code in (Code.TARGET_NOT_COVERED, Code.TARGET_COVERED)]
    assert len(coverage) == 1 and coverage[0].message.startswith("The zones cover")
