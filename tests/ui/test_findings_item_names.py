"""The findings list tags each row with the item it is about, told apart (review of the lumbar
walkthrough: after B mirrored the L2 needle with its antenna the two "zone in front of the vertebra"
warnings read the same, "the zone", with nothing saying whose zone each was)."""

from __future__ import annotations

from dataclasses import replace

from planner.analysis.thresholds import Finding, Severity
from planner.headless.demo import demo_plan, sample_landmarks
from planner.plan import commands
from planner.plan.commands import CommandStack
from planner.session.placement import Selection
from planner.session.session import PlanningSession
from planner.ui.findings_panel import FindingsPanel

MESSAGE = "About 2.85 mL of the zone lies in front of the vertebra (toward the aorta / IVC)."


def test_the_zone_warnings_of_a_mirrored_pair_name_their_needles(qtbot, sample_volume):
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(sample_volume)
    doc = demo_plan(session.plan.series)
    left = next(n for n in doc.needles if n.side == "left")
    for needle in [n for n in doc.needles if n.side == "right"]:
        doc.remove(doc.antenna_for(needle.id).id)
        doc.remove(needle.id)
    canal = sample_landmarks()["vertebrae"]["L2"]["canal_centre_lps"]
    CommandStack(doc).push(commands.bipedicular_pair(doc, left.id, canal, (1.0, 0.0, 0.0)))  # B
    session.open_plan(doc)
    panel = FindingsPanel(session, Selection())
    qtbot.addWidget(panel)
    twin = next(n for n in session.plan.needles if n.id != left.id)
    antennas = [session.plan.antenna_for(n.id) for n in (left, twin)]
    assert antennas[0].name == antennas[1].name == "Antenna"
    extra = tuple(Finding(Severity.WARNING, "zone_beyond_vertebra_anterior", MESSAGE, a.id) for a in antennas)
    ev = session.evaluate(corridors=False)
    panel.show_evaluation(replace(ev, findings=extra + ev.findings))
    rows = [panel.list.item(i).text() for i in range(panel.list.count()) if MESSAGE in panel.list.item(i).text()]
    assert rows == [f"WARNING: [Antenna in {left.name}] {MESSAGE}",
                    f"WARNING: [Antenna in {twin.name}] {MESSAGE}"]
    session.stack.push(commands.rename(twin.id, "Left L2"))  # the tag follows the needle's name
    ev = session.evaluate(corridors=False)
    panel.show_evaluation(replace(ev, findings=extra + ev.findings))
    assert any(panel.list.item(i).text() == f"WARNING: [Antenna in Left L2] {MESSAGE}"
               for i in range(panel.list.count()))
