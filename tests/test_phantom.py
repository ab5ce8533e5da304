"""The synthetic spine CT generator: determinism, tissue CT numbers, lesion, trajectories, labels."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import ndimage

from planner.phantom import PhantomConfig, build_landmarks, build_phantom, write_sample_case
from planner.phantom import labels as lab
from planner.phantom.spine import default_spine

VERTEBRAE = ("L1", "L2", "L3")
NEEDLE_13G_RADIUS_MM = 2.41 / 2.0  # DOMAIN.md: 13G outer diameter 2.41 mm


@pytest.fixture(scope="module")
def full():
    return build_phantom(PhantomConfig())


@pytest.fixture(scope="module")
def landmarks(full):
    return build_landmarks(full)


def _label_at(result, lps) -> int:
    k, j, i = np.round(result.volume.to_ijk(lps)).astype(int)[::-1]
    return int(result.labels[k, j, i])


def _digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_small_config_is_deterministic_and_seeded():
    a = build_phantom(PhantomConfig.small())
    b = build_phantom(PhantomConfig.small())
    c = build_phantom(PhantomConfig.small(seed=7))
    assert np.array_equal(a.volume.hu, b.volume.hu)
    assert np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.volume.hu, c.volume.hu)
    assert a.volume.hu.shape == (48, 96, 96) and a.volume.hu.dtype == np.int16


def test_written_case_is_byte_identical(tmp_path):
    result = build_phantom(PhantomConfig.small())
    write_sample_case(result, tmp_path / "a")
    write_sample_case(build_phantom(PhantomConfig.small()), tmp_path / "b")
    da, db = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert da == db
    assert sum(name.endswith(".dcm") for name in da) == 48
    assert "ground_truth/labels.nii.gz" in da and "ground_truth/landmarks.json" in da


def _eroded(mask: np.ndarray, n: int = 2) -> np.ndarray:
    return ndimage.binary_erosion(mask, iterations=n)


def test_tissue_ct_numbers_match_domain_ranges(full):
    clean, labels = full.clean_hu, full.labels
    cord = np.median(clean[_eroded(labels == lab.CORD)])
    csf = np.median(clean[_eroded(labels == lab.CANAL_CSF, 1)])
    lesion = np.median(clean[_eroded(labels == lab.LESION)])
    assert 25 <= cord <= 45
    assert 5 <= csf <= 25  # CSF about 15 HU
    assert -30 <= lesion <= 80  # lytic metastasis: soft-tissue density
    for name in VERTEBRAE:
        bone = labels == lab.VERTEBRA_LABELS[name]
        interior = np.median(clean[_eroded(bone, 3)])
        assert 300 <= interior <= 400, name  # cancellous bone 300-400 HU
        assert 500 <= np.percentile(clean[bone], 99) <= 1900, name  # cortical bone 500-1900 HU
    disc = np.median(clean[_eroded(labels == lab.DISC_LABELS[("L1", "L2")])])
    assert 60 <= disc <= 110
    residual = full.volume.hu.astype(float) - clean
    body_noise = residual[(clean > -150) & (clean < 150)].std()
    assert 15 <= body_noise <= 20  # seeded Gaussian noise about 18 HU


def test_fat_muscle_air_at_probes(landmarks):
    probes = landmarks["probes"]
    assert -120 <= probes["subcutaneous_fat"]["expected_mean_hu"] <= -90
    assert 30 <= probes["muscle"]["expected_mean_hu"] <= 70
    assert probes["air"]["expected_mean_hu"] < -950


def test_lesion_breaks_through_the_posterior_wall(full):
    labels = full.labels
    lesion = labels == lab.LESION
    components, n = ndimage.label(lesion)  # 6-connectivity: a voxel path with no bone in between
    assert n == 1
    canal = np.isin(labels, lab.CANAL_LUMEN)
    touches_canal = lesion & ndimage.binary_dilation(canal)
    assert touches_canal.sum() > 20
    l2_bone = labels == lab.VERTEBRA_LABELS["L2"]
    deep_inside = lesion & ndimage.binary_erosion(lesion | l2_bone, iterations=3)
    assert deep_inside.any()
    # Where it meets the canal, the CT shows soft tissue, not cortex.
    assert np.median(full.clean_hu[touches_canal]) < 150
    # The opposite (right) side keeps its posterior wall: no canal voxel touches L2 cancellous bone there.
    ni = labels.shape[2]
    mirrored = lesion[:, :, ::-1]
    assert not (mirrored & lesion).any() or (mirrored & lesion).sum() < 0.2 * lesion.sum()
    wall = l2_bone & ndimage.binary_dilation(canal) & ~ndimage.binary_dilation(lesion, iterations=3)
    right_wall = wall[:, :, ni // 2:]
    assert np.percentile(full.clean_hu[:, :, ni // 2:][right_wall], 50) > 500


def test_pedicle_reference_trajectories_stay_in_bone(full, landmarks):
    specs = {s.name: s for s in default_spine()}
    for name in VERTEBRAE:
        allowed = {lab.VERTEBRA_LABELS[name], lab.LESION}
        for side, sign in (("left", 1.0), ("right", -1.0)):
            ped = landmarks["vertebrae"][name]["pedicles"][side]
            entry, target = np.array(ped["entry_lps"]), np.array(ped["target_lps"])
            axis = (target - entry) / np.linalg.norm(target - entry)
            assert np.sign(entry[0]) == sign and abs(target[0]) < abs(entry[0])  # medial, back to front
            medial_deg = np.degrees(np.arctan2(abs(axis[0]), abs(axis[1])))
            assert medial_deg == pytest.approx(specs[name].pedicle_medial_deg, abs=1.0)
            ts = np.arange(0.5, np.linalg.norm(target - entry), 0.25)
            on_axis = {_label_at(full, entry + t * axis) for t in ts}
            assert on_axis <= allowed, (name, side, on_axis)
            e1 = np.cross(axis, [0.0, 0.0, 1.0])
            e1 /= np.linalg.norm(e1)
            e2 = np.cross(axis, e1)
            for t in ts[ts > 3.0]:
                for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
                    p = entry + t * axis + NEEDLE_13G_RADIUS_MM * (np.cos(ang) * e1 + np.sin(ang) * e2)
                    assert _label_at(full, p) in allowed, (name, side, t)


def test_labels_are_consistent(full, landmarks):
    labels = full.labels
    known = {row.value for row in lab.label_table()}
    assert set(np.unique(labels).tolist()) <= known
    voxel_ml = float(np.prod(full.config.spacing_mm)) / 1000.0
    for name in VERTEBRAE:
        value = lab.VERTEBRA_LABELS[name]
        mask = labels == value
        if name == "L2":
            mask |= labels == lab.LESION
        _, n = ndimage.label(mask)
        assert n == 1, name
        assert 25.0 <= mask.sum() * voxel_ml <= 70.0, name
        entry = landmarks["vertebrae"][name]
        assert _label_at(full, entry["body_centre_lps"]) == value
        assert _label_at(full, entry["canal_centre_lps"]) in lab.CANAL_LUMEN
    for value in lab.DISC_LABELS.values():
        assert (labels == value).any()
    cord = labels == lab.CORD
    bone = (labels >= 1) & (labels <= 5)
    assert not (ndimage.binary_dilation(cord) & bone).any()  # the cord never touches bone
    # Mirror symmetry about the mid-sagittal plane (lesion counted as L2 bone).
    sym = np.where(labels == lab.LESION, lab.VERTEBRA_LABELS["L2"], labels)
    sym = np.where(np.isin(sym, lab.CANAL_LUMEN), lab.CANAL_EPIDURAL, sym)
    assert np.mean(sym == sym[:, :, ::-1]) > 0.995
    plane = landmarks["mid_sagittal_plane"]
    centre_i = (labels.shape[2] - 1) / 2.0
    assert full.volume.to_ijk(plane["point_lps"])[0] == pytest.approx(centre_i, abs=1e-6)
