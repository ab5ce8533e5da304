"""Findings and report lines tell every item apart (review of the lumbar walkthrough: after B mirrored
the L2 needle with its antenna, both zone warnings were tagged "[Antenna]")."""

from planner.analysis.thresholds import Finding, Severity
from planner.plan import commands as C
from planner.plan.commands import CommandStack
from planner.plan.items import Antenna, Target
from planner.plan.labels import finding_text, item_labels

from .conftest import make_level, make_needle

ZONE = "About 2.85 mL of the zone lies in front of the vertebra (toward the aorta / IVC)."


def _mirrored_pair(doc):
    stack = CommandStack(doc)
    stack.push(C.add_item(make_level()))
    needle = make_needle(name="Needle 1")
    stack.push(C.add_item(needle))
    stack.push(C.add_item(Antenna(needle_id=needle.id)))  # as the antenna tool places it
    stack.push(C.bipedicular_pair(doc, needle.id))  # B
    return needle, doc.needles[1]


def test_a_mirrored_antenna_is_told_apart_by_its_needle(doc):
    needle, twin = _mirrored_pair(doc)
    first, second = doc.antenna_for(needle.id), doc.antenna_for(twin.id)
    assert first.name == second.name == "Antenna"  # the stored names stay short (plan list, legends)
    labels = item_labels(doc)
    assert labels[first.id] == "Antenna in Needle 1"
    assert labels[second.id] == "Antenna in Needle 1 (contralateral)"
    texts = [finding_text(Finding(Severity.WARNING, "zone_beyond_vertebra_anterior", ZONE, a.id), labels)
             for a in (first, second)]
    assert texts[0] != texts[1]
    assert texts == [f"[Antenna in Needle 1] {ZONE}", f"[Antenna in Needle 1 (contralateral)] {ZONE}"]


def test_the_label_follows_a_renamed_needle(doc):
    needle, twin = _mirrored_pair(doc)
    CommandStack(doc).push(C.rename(twin.id, "Left L2"))
    assert item_labels(doc)[doc.antenna_for(twin.id).id] == "Antenna in Left L2"


def test_a_finding_that_names_its_item_is_not_tagged_twice(doc):
    needle, twin = _mirrored_pair(doc)
    message = f"{twin.name}: The needle line crosses something outside the patient."
    assert finding_text(Finding(Severity.WARNING, "needle_outside_body", message, twin.id), item_labels(doc)) == message
    assert finding_text(Finding(Severity.INFO, "zone_is_prediction", ZONE, ""), item_labels(doc)) == ZONE


def test_items_sharing_a_name_are_told_apart(doc):
    left = make_needle(name="Needle 1", side="left")
    right = make_needle(name="Needle 1", side="right")
    same = make_needle(name="Needle 1", side="right")
    for item in (left, right):
        doc.insert(item)
    labels = item_labels(doc)
    assert (labels[left.id], labels[right.id]) == ("Needle 1 (left)", "Needle 1 (right)")
    doc.insert(same)  # the sides no longer tell them apart: their place in the plan does
    doc.insert(Antenna(needle_id=same.id))
    doc.insert(Antenna(needle_id=right.id))
    labels = item_labels(doc)
    assert [labels[n.id] for n in (left, right, same)] == ["Needle 1 #1", "Needle 1 #2", "Needle 1 #3"]
    assert labels[doc.antenna_for(same.id).id] == "Antenna in Needle 1 #3"
    assert len(set(labels.values())) == len(labels)
    doc.insert(Target(centre_lps=(0, 5, -200)))
    doc.insert(Target(centre_lps=(0, 5, -210)))
    labels = item_labels(doc)
    assert sorted(labels[t.id] for t in doc.targets) == ["Target #1", "Target #2"]


def test_duplicate_and_every_placing_path_give_one_rule(doc):
    needle, twin = _mirrored_pair(doc)
    CommandStack(doc).push(C.duplicate(doc, needle.id, offset_lps=(0, 0, 30)))
    labels = item_labels(doc)
    antennas = [labels[a.id] for a in doc.antennas]
    assert len(set(antennas)) == 3 and all(label.startswith("Antenna in ") for label in antennas)


def test_a_proposal_antenna_is_named_by_its_needle_too(doc):
    from types import SimpleNamespace

    from planner.session.whole_target import option_items

    shot = dict(entry_lps=(-45.0, 90.0, -200.0), tip_lps=(-4.0, 5.0, -202.0), approach="transpedicular",
                device_id="generic-mw-2450-1.6", extension_mm=15.0, power_w=30.0, time_s=180.0, cycles=1)
    option = SimpleNamespace(needles=[SimpleNamespace(side="left", **shot), SimpleNamespace(side="right", **shot)],
                             thermocouple_tip_lps=None)
    for item in option_items(option, "L2"):
        doc.insert(item)
    labels = item_labels(doc)
    assert sorted(labels[a.id] for a in doc.antennas) == ["Antenna in L2 left (proposed)",
                                                           "Antenna in L2 right (proposed)"]
