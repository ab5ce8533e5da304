"""Fixtures for the plan tests: a small realistic plan (L2, two lesions' worth of items)."""

import pytest

from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Level, Needle, SeriesRef, Target, Thermocouple


def make_level(name="L2", **kw):
    return Level(name=name, body_centre_lps=(0.0, 10.0, -200.0), **kw)


def make_needle(**kw):
    args = dict(entry_lps=(-45.0, 90.0, -200.0), tip_lps=(-4.0, 5.0, -202.0), name="Right L2", level="L2", side="right")
    args.update(kw)
    return Needle(**args)


@pytest.fixture
def series():
    return SeriesRef("1.2.3.1", "1.2.3.2", "1.2.3.3", SeriesRef.hash_patient_id("PAT-001"))


@pytest.fixture
def doc(series):
    return PlanDocument(series=series)


@pytest.fixture
def full_doc(series):
    """A document holding one item of every kind, built without commands."""
    d = PlanDocument(series=series)
    d.insert(make_level(sins={"location": 3, "pain": 1}))
    n = make_needle()
    d.insert(n)
    d.insert(Antenna(needle_id=n.id, power_w=30, time_s=180, cycles=3))
    d.insert(Thermocouple(entry_lps=(-20, 95, -190), tip_lps=(-12, 30, -190), name="Foramen R"))
    d.insert(Target(centre_lps=(0, 5, -200), kind="ellipsoid", semi_axes_mm=(12, 10, 8), level="L2", name="Lesion"))
    return d
