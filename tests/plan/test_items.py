"""Plan items and PlanDocument events."""

import math

import numpy as np
import pytest

from planner.core.errors import PlanError
from planner.core.volume import SeriesInfo
from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Level, Needle, SeriesRef, Target, Thermocouple
from planner.plan.vocab import GAUGE_OUTER_DIAMETER_MM

from .conftest import make_level, make_needle


def test_needle_derived_values():
    n = Needle(entry_lps=(0, 60, 0), tip_lps=(0, 0, 80), gauge="11G")
    assert n.length_mm == pytest.approx(100.0)
    np.testing.assert_allclose(n.direction, [0, -0.6, 0.8])
    assert n.outer_diameter_mm == 3.05
    assert not n.exceeds_usable_length
    assert Needle((0, 200, 0), (0, 0, 0)).exceeds_usable_length


@pytest.mark.parametrize("gauge, mm", [("10G", 3.40), ("11G", 3.05), ("13G", 2.41), ("16G", 1.65)])
def test_gauge_diameters_from_domain(gauge, mm):
    assert GAUGE_OUTER_DIAMETER_MM[gauge] == mm


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"gauge": "12G"}, "gauge"),
        ({"level": "L6"}, "level"),
        ({"side": "top"}, "side"),
        ({"approach": "transoral"}, "approach"),
        ({"tip_lps": (1, 2)}, "tip: expected 3 numbers, got 2"),
        ({"entry_lps": (0, math.nan, 0)}, "finite"),
        ({"tip_lps": (-45.0, 90.0, -200.0)}, "different points"),
        ({"usable_length_mm": 0}, "greater than 0"),
        ({"id": ""}, "id"),
    ],
)
def test_invalid_needles_are_refused_with_a_message(kw, message):
    with pytest.raises(PlanError, match=message):
        make_needle(**kw)


def test_ids_are_unique_and_stable():
    a, b = make_needle(), make_needle()
    assert a.id != b.id and len(a.id) == 12
    assert make_needle(id="fixed").id == "fixed"


def test_antenna_tip_is_needle_tip_plus_extension():
    n = Needle(entry_lps=(0, 100, 0), tip_lps=(0, 20, 0))
    a = Antenna(needle_id=n.id)
    assert a.extension_mm == 15.0  # Chen AJNR 2022
    np.testing.assert_allclose(a.tip_lps(n), (0, 5, 0))
    with pytest.raises(PlanError):
        a.tip_lps(Needle(entry_lps=(0, 100, 0), tip_lps=(0, 20, 0)))
    with pytest.raises(PlanError, match="whole number"):
        Antenna(needle_id=n.id, cycles=2.5)


def test_thermocouple_defaults_and_alarm_order():
    t = Thermocouple(entry_lps=(0, 90, 0), tip_lps=(0, 30, 0))
    assert (t.gauge, t.alarm_c, t.prealarm_c, t.outer_diameter_mm) == ("16G", 45.0, 42.0, 1.65)
    with pytest.raises(PlanError, match="pre-alarm"):
        Thermocouple(entry_lps=(0, 90, 0), tip_lps=(0, 30, 0), alarm_c=40, prealarm_c=42)


def test_targets():
    assert Target(centre_lps=(0, 0, 0), semi_axes_mm=(10, 10, 10)).volume_ml == pytest.approx(4 / 3 * math.pi)
    with pytest.raises(PlanError, match="equal"):
        Target(centre_lps=(0, 0, 0), semi_axes_mm=(10, 8, 10))
    with pytest.raises(PlanError, match="mask"):
        Target(centre_lps=(0, 0, 0), kind="mask")
    with pytest.raises(PlanError, match="perpendicular"):
        Target(centre_lps=(0, 0, 0), kind="ellipsoid", semi_axes_mm=(3, 2, 1), axes=((1, 0, 0), (1, 0, 0), (0, 0, 1)))


def test_level_defaults_and_sins_is_frozen():
    lv = make_level(sins={"pain": 3})
    assert lv.plane_point_lps == lv.body_centre_lps and lv.plane_normal_lps == (1.0, 0.0, 0.0)
    with pytest.raises(PlanError):
        lv.sins["pain"] = 0
    with pytest.raises(PlanError, match="level name"):
        Level(name="", body_centre_lps=(0, 0, 0))


def test_series_ref_matches_series_info():
    ref = SeriesRef.from_series_info(SeriesInfo(patient_id="P1", frame_of_reference_uid="1.2"))
    assert ref.patient_id_hash and "P1" not in ref.patient_id_hash
    assert ref.mismatch_with(SeriesInfo(patient_id="P1", frame_of_reference_uid="1.2")) is None
    assert "different patient" in ref.mismatch_with(SeriesInfo(patient_id="P2", frame_of_reference_uid="1.2"))
    assert "frame of reference" in ref.mismatch_with(SeriesInfo(patient_id="P1", frame_of_reference_uid="9"))


class Recorder:
    def __init__(self, doc):
        self.events = []
        doc.item_added.connect(lambda k, i: self.events.append(("added", k, i)))
        doc.item_removed.connect(lambda k, i: self.events.append(("removed", k, i)))
        doc.item_changed.connect(lambda k, i, f: self.events.append(("changed", k, i, f)))
        doc.reset.connect(lambda: self.events.append(("reset",)))


def test_document_events_and_lookup_by_id(doc):
    rec = Recorder(doc)
    n = make_needle(name="Same name")
    n2 = make_needle(name="Same name")
    doc.insert(n)
    doc.insert(n2)
    assert doc.get(n2.id) is n2 and doc.kind_of(n.id) == "needle"  # found by id, not by name
    doc.set_fields(n.id, tip_lps=(0, 0, -200), name="Moved")
    doc.set_fields(n.id, name="Moved")  # no change -> no event
    doc.remove(n2.id)
    doc.clear()
    assert rec.events == [
        ("added", "needle", n.id),
        ("added", "needle", n2.id),
        ("changed", "needle", n.id, ("tip_lps", "name")),
        ("removed", "needle", n2.id),
        ("reset",),
    ]
    with pytest.raises(PlanError, match="No plan item"):
        doc.get(n.id)


def test_document_rules(doc):
    for name in ("L1", "L2", "L3", "L4"):
        doc.insert(make_level(name))
    with pytest.raises(PlanError, match="at most 4 levels"):
        doc.insert(make_level("L5"))
    with pytest.raises(PlanError, match="already has level"):
        doc.set_fields(doc.levels[0].id, name="L2")
    n = make_needle()
    with pytest.raises(PlanError, match="needle of this plan"):
        doc.insert(Antenna(needle_id=n.id))
    doc.insert(n)
    doc.insert(Antenna(needle_id=n.id))
    with pytest.raises(PlanError, match="already holds"):
        doc.insert(Antenna(needle_id=n.id))
    with pytest.raises(PlanError, match="already has an item"):
        doc.insert(n)
    with pytest.raises(PlanError, match="antenna"):
        doc.remove(n.id)
    with pytest.raises(PlanError, match="no editable field"):
        doc.set_fields(n.id, colour="red")
    assert doc.level_named("L3").name == "L3" and doc.level_named("T1") is None


def test_assign_replaces_content_and_emits_reset(full_doc):
    other = PlanDocument()
    rec = Recorder(other)
    other.assign(full_doc)
    assert other.state() == full_doc.state() and rec.events == [("reset",)]
    np.testing.assert_allclose(
        other.antenna_tip_lps(other.antennas[0].id),
        np.asarray(other.needles[0].tip_lps) + 15 * other.needles[0].direction,
    )
