"""The CTV's arch sectors hold the level's own bone, not the neighbouring vertebrae's (issue 17).

References made independently of the planner: the sample's ground-truth label map (each vertebra its
own label, planner.phantom) and, on the T11-T12 scan, TotalSegmentator's labels beside it (machine-made,
Wasserthal 2023; 32 = T12, 33 = T11, as SOURCE.txt says and the labels' positions confirm: 33 lies
above 32). TotalSegmentator's fast model also puts label 33 inside T12's body on every slice of it
(a patch at the body's left posterior corner, where the CT shows one continuous body between the two
discs), so the T12 check counts the arch, where its labels follow the bones.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.sectors import BODY, sector_map
from planner.planning.ctv_own import restrict_to_own_arch
from tests.ts_labels import label_image_on_ct

L1, L2, L3 = 2, 3, 4  # sample_dicom/ground_truth/labels.json


@pytest.fixture(scope="module")
def sample_sectors(sample, sample_l2):
    volume, labels, _, canal = sample
    sm = sector_map(volume, sample_l2, canal, extra_mask=labels == 10)
    return labels, sm, restrict_to_own_arch(volume, sm, canal)


def test_sample_l2_arch_without_l1_and_l3(sample_sectors):
    labels, before, after = sample_sectors
    arch_before, arch_after = before.labels > BODY, after.labels > BODY
    neighbours = np.isin(labels, (L1, L3))
    assert np.count_nonzero(arch_before & neighbours) > 100  # the premise: the slab held the neighbours' parts
    assert np.count_nonzero(arch_after & neighbours) == 0
    own_before = np.count_nonzero(arch_before & (labels == L2))
    assert np.count_nonzero(arch_after & (labels == L2)) >= 0.9 * own_before
    assert np.array_equal(before.labels == BODY, after.labels == BODY)  # the body sector is kept as it is


@pytest.fixture(scope="module")
def t12_six_sectors(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    """The T12 CTV with all six sectors (toggled on: a circumferential CTV) and TotalSegmentator's labels."""
    from planner.imaging import load_path
    from planner.plan.items import Target
    from planner.session.session import PlanningSession
    from planner.session.whole_target import ctv_case

    volume = t11_t12_volume
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    ts = label_image_on_ct(volume, seg)
    t12 = ts == 32
    lps = volume.to_lps(np.argwhere(t12)[:, ::-1].astype(float))
    centre = lps[lps[:, 1] < np.percentile(lps[:, 1], 30)].mean(axis=0)  # the front of the body
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(t11_t12_canal.mask.copy())
    s.plan.insert(Target(tuple(float(v) for v in centre), semi_axes_mm=(7.5, 7.5, 7.5), level="T12"))
    return ts, ctv_case(s, "T12", override=(1, 2, 3, 4, 5, 6))


def test_t12_labels_are_as_source_says(t12_six_sectors, t11_t12_volume):
    ts, _ = t12_six_sectors
    z = {lab: t11_t12_volume.to_lps(np.argwhere(ts == lab)[:, ::-1].astype(float))[:, 2].mean() for lab in (32, 33)}
    assert z[33] > z[32] + 5.0  # 33 (T11) lies above 32 (T12)


def test_t12_ctv_holds_none_of_t11s_arch(t12_six_sectors):
    """The sectors as found hold 2258 TotalSegmentator T11 voxels in their 12067 arch voxels (19 %: its
    spinous process and laminae reaching down behind T12's arch); the CTV's arch under 1 % of that, with
    at least 70 % of the arch voxels TotalSegmentator calls T12 kept."""
    ts, case = t12_six_sectors
    arch = case.sectors.labels > BODY
    assert set(case.choice.sectors) == {1, 2, 3, 4, 5, 6}
    t11_in_ctv_arch = np.count_nonzero(case.ctv & arch & (ts == 33))
    assert t11_in_ctv_arch <= 0.01 * np.count_nonzero(arch), t11_in_ctv_arch
    assert np.count_nonzero(arch & (ts == 33)) > 0.1 * np.count_nonzero(arch)  # the premise, as found
    own_t12 = np.count_nonzero(arch & (ts == 32))  # TS-T12 voxels in the arch sectors as found
    assert np.count_nonzero(case.ctv & arch & (ts == 32)) >= 0.7 * own_t12


@pytest.mark.realdata
def test_t12_sector_toggle_keeps_the_own_arch_ctv(t12_six_sectors):
    """A sector toggled off then on again (Plan > CTV sectors…, :func:`~planner.session.whole_target.with_sectors`)
    gives back the CTV ctv_case builds for those sectors: the level's own arch, none of T11's (the toggle
    once rebuilt the CTV from the sectors as found, bringing T11's spinous process and laminae back)."""
    from planner.session.whole_target import with_sectors

    ts, case = t12_six_sectors
    off = with_sectors(case, (1, 2, 3, 4, 5))
    assert set(off.choice.sectors) == {1, 2, 3, 4, 5} and not (off.ctv & (case.own.labels == 6)).any()
    on = with_sectors(off, (1, 2, 3, 4, 5, 6))
    assert set(on.choice.sectors) == {1, 2, 3, 4, 5, 6}
    assert np.array_equal(on.ctv, case.ctv)
    arch = case.sectors.labels > BODY
    assert np.count_nonzero(on.ctv & arch & (ts == 33)) <= 0.01 * np.count_nonzero(arch)


@pytest.mark.realdata
def test_tcia_l2_keeps_its_own_spinous_process(lumbar_volume, lumbar_canal):
    """On the TCIA lumbar scan (3 mm slices) the cut took all 1495 voxels of L2's spinous sector (its own
    spinous process, at the level of its body in the sagittal view) and most of its laminae: the flood from
    L1's arch, seeded above the slab, reached them first. The lumbar spinous sector is a marker of the
    level's own bone now; L2 is counted up from the sacrum (tests/planning/test_propose_realdata.py)."""
    from planner.session.whole_target import ctv_case
    from tests.target_session import target_session

    s = target_session(lumbar_volume, lumbar_canal, lumbar_volume.to_lps(np.array((258, 272, 57), float)), "L2")
    case = ctv_case(s, "L2", override=(1, 2, 3, 4, 5, 6))
    spinous = case.sectors.labels == 4
    assert np.count_nonzero(spinous) > 1000  # the premise: the sector as found holds the process
    assert np.count_nonzero(case.ctv & spinous) >= 0.9 * np.count_nonzero(spinous)


@pytest.mark.xfail(strict=True, reason="known defect, not fixed yet: the 'beyond the level' watershed marker "
                   "above the slab holds the level's own superior articular processes (764 ground-truth L1 "
                   "voxels on the sample), so the cut runs through the level's own pedicles (a straight edge)")
@pytest.mark.parametrize("name", ["L1", "L2"])
def test_own_arch_keeps_the_levels_own_pedicles(sample, name):
    """The pedicles touch no neighbouring vertebra (the facet joints lie behind them), so the cut to the
    level's own arch may remove none of the level's own pedicle voxels (ground truth: the phantom's
    label of the vertebra, mirror-symmetric left/right). Before: L1 left pedicle 197 of 1901 own voxels
    removed (its lateral edge cut along a straight line), right 75 of 1921."""
    from planner.anatomy.levels import detect_level

    volume, labels, lm, canal = sample
    own_label = {"L1": L1, "L2": L2}[name]
    level = detect_level(volume, lm["vertebrae"][name]["body_centre_lps"], name)
    sm = sector_map(volume, level, canal)
    after = restrict_to_own_arch(volume, sm, canal)
    for sector in (2, 6):
        own = (sm.labels == sector) & (labels == own_label)
        kept = np.count_nonzero(own & (after.labels == sector))
        assert kept >= 0.99 * np.count_nonzero(own), (name, sector, kept, np.count_nonzero(own))
