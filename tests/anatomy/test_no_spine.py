"""Bad input (issue 13): a scan with no spine in it, and one too short to count, give a clear message;
planning still works with the level set by hand and the canal drawn by hand, in the session and in
``analyze`` end to end.

The phantom: a soft-tissue elliptic cylinder (a limb or a phantom without bone), 150 mm long, and a
hand-drawn canal, a cylinder of radius 8 mm: a zone centred on the canal's axis overlaps it by a known
amount, and a needle whose tip is at the hand-set level's centre belongs to that level.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.canal import segment_canal
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.plan import commands
from planner.plan.items import Antenna, Level, Needle
from planner.session.session import PlanningSession

SPACING = (1.5, 1.5, 2.5)
CANAL_R_MM = 8.0
CANAL_CENTRE_XY = (0.0, 40.0)  # behind the middle (LPS +y is posterior)


def _no_spine_volume(slices: int = 61) -> ImageVolume:
    shape = (slices, 160, 200)
    origin = (-(shape[2] - 1) / 2 * SPACING[0], -(shape[1] - 1) / 2 * SPACING[1], 0.0)
    _, j, i = np.indices(shape, dtype=float)
    x, y = origin[0] + i * SPACING[0], origin[1] + j * SPACING[1]
    hu = np.full(shape, -1000, np.int16)
    hu[(x / 130.0) ** 2 + (y / 90.0) ** 2 <= 1.0] = 40
    return ImageVolume(hu=hu, spacing_mm=SPACING, origin_lps=origin)


def _hand_canal(volume: ImageVolume) -> np.ndarray:
    nk, nj, ni = volume.hu.shape
    _, j, i = np.indices(volume.hu.shape, dtype=float)
    x, y = volume.origin_lps[0] + i * SPACING[0], volume.origin_lps[1] + j * SPACING[1]
    return (x - CANAL_CENTRE_XY[0]) ** 2 + (y - CANAL_CENTRE_XY[1]) ** 2 <= CANAL_R_MM ** 2


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    return _no_spine_volume()


def test_no_canal_found_says_so(volume):
    with pytest.raises(PlannerError, match="No spinal canal was found.*by hand"):
        segment_canal(volume)


def test_no_spine_message_and_hand_planning(volume, tmp_path, monkeypatch):
    monkeypatch.setenv("SPINE_PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(volume)
    spine = session.anatomy.spine()
    assert spine.vertebrae == () and not spine.named
    assert "No vertebral body was found" in spine.message or "No spine" in spine.message, spine.message
    assert "by hand" in spine.message
    # the level set by hand and the canal drawn by hand
    z = 75.0
    session.stack.push(commands.add_item(Level(name="L3", body_centre_lps=(0.0, 0.0, z))))
    session.set_canal(_hand_canal(volume))
    tip = (0.0, 30.0, z)  # 10 mm in front of the canal's axis, at the level's centre height
    session.stack.push(commands.add_item(Needle((0.0, -60.0, z), tip, id="n1")))
    session.stack.push(commands.add_item(Antenna(needle_id="n1", extension_mm=0.0, id="a1")))
    ev = session.evaluate(corridors=True)
    assert session.needle_level(session.plan.get("n1")) == "L3"
    assert ev.analysis.canal_overlap_ml > 0.0  # a default zone 10 mm from an 8 mm canal reaches it
    assert any(f.code.startswith("zone_") or "canal" in f.code for f in ev.findings)


def test_a_spine_too_short_to_count(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINE_PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    short = _no_spine_volume(slices=21)  # 50 mm
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(short)
    message = session.anatomy.spine().message
    assert "too short" in message and "by hand" in message, message


def test_analyze_end_to_end_without_a_spine(volume, tmp_path, monkeypatch):
    import SimpleITK as sitk

    from planner.headless.analyze import run_analysis

    monkeypatch.setenv("SPINE_PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    img = sitk.GetImageFromArray(volume.hu)
    img.SetSpacing(volume.spacing_mm)
    img.SetOrigin(volume.origin_lps)
    path = tmp_path / "no_spine.nii.gz"
    sitk.WriteImage(img, str(path))
    report = run_analysis(path)
    assert report["canal"]["volume_ml"] is None
    assert "No spinal canal was found" in report["canal"]["error"]
    assert report["levels"] == [] and not report["spine"]["named"] and "by hand" in report["spine"]["message"]
    assert report["body"]["volume_ml"] > 0
