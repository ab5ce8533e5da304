"""Reference points of the phantom in LPS mm: body and canal centres, pedicle trajectories, probes."""

from __future__ import annotations

import numpy as np

from planner.core.frames import ijk_to_array_index, kji_to_ijk
from planner.phantom import labels as lab
from planner.phantom.config import PhantomConfig
from planner.phantom.generate import PhantomResult
from planner.phantom.spine import (
    BODY_POSTERIOR_V_MM,
    SAC_CENTRE_V_MM,
    SAC_SEMI_MM,
    VertebraSpec,
    frame_at,
    pedicle_axis,
    vertebra_sd,
)
from planner.phantom.tissues import BACK_SKIN_Y_MM, SKIN_MM, TISSUE_HU

#: Where the reference trajectory ends: this fraction of the body depth behind the anterior cortex.
TARGET_FRACTION_FROM_FRONT = 0.25


def _lps(cfg: PhantomConfig, anatomy_xyz) -> list[float]:
    p = np.asarray(anatomy_xyz, dtype=float) + np.asarray(cfg.anchor_lps)
    return [round(float(c), 3) for c in p]


def _local_to_anatomy(cfg: PhantomConfig, spec: VertebraSpec, uvw) -> np.ndarray:
    return frame_at(cfg, spec.z_mm).to_anatomy(np.asarray(uvw, dtype=float))


def pedicle_trajectory(cfg: PhantomConfig, spec: VertebraSpec, side: int) -> dict:
    """Reference transpedicular path along the pedicle axis (anatomy mm).

    The entry is where the axis, followed backwards, leaves the bone (posterior cortex at the
    base of the transverse and superior articular processes); the target lies on the axis
    ``TARGET_FRACTION_FROM_FRONT`` of the body depth behind the anterior cortex (anterior third).
    """
    ax = pedicle_axis(spec, side)
    steps = np.arange(0.0, 40.0, 0.05)
    back_pts = ax.front_uvw[None, :] + steps[:, None] * ax.back_dir[None, :]
    xyz = _local_to_anatomy(cfg, spec, back_pts)
    d, _ = vertebra_sd(cfg, spec, xyz[:, 0], xyz[:, 1], xyz[:, 2])
    outside = np.nonzero(d >= 0)[0]
    entry_uvw = back_pts[outside[0]] if outside.size else back_pts[-1]
    target_v = BODY_POSTERIOR_V_MM - spec.depth_mm * (1.0 - TARGET_FRACTION_FROM_FRONT)
    t_front = (ax.front_uvw[1] - target_v) / ax.back_dir[1]
    target_uvw = ax.front_uvw - t_front * ax.back_dir
    isthmus_uvw = ax.front_uvw + 0.5 * ax.length_mm * ax.back_dir
    return {
        "entry": _local_to_anatomy(cfg, spec, entry_uvw),
        "target": _local_to_anatomy(cfg, spec, target_uvw),
        "isthmus": _local_to_anatomy(cfg, spec, isthmus_uvw),
    }


def _vertebra_entry(cfg: PhantomConfig, spec: VertebraSpec) -> dict:
    body_v = BODY_POSTERIOR_V_MM - spec.depth_mm / 2.0
    entry = {
        "label": spec.label,
        "body_centre_lps": _lps(cfg, _local_to_anatomy(cfg, spec, (0.0, body_v, 0.0))),
        "canal_centre_lps": _lps(cfg, _local_to_anatomy(cfg, spec, (0.0, 0.0, 0.0))),
        "body_size_mm": {"width": spec.width_mm, "depth": spec.depth_mm, "height": spec.height_mm},
        "pedicles": {},
    }
    for side_name, side in (("left", 1), ("right", -1)):
        traj = pedicle_trajectory(cfg, spec, side)
        entry["pedicles"][side_name] = {
            "entry_lps": _lps(cfg, traj["entry"]),
            "target_lps": _lps(cfg, traj["target"]),
            "isthmus_lps": _lps(cfg, traj["isthmus"]),
            "width_mm": spec.pedicle_width_mm,
            "height_mm": spec.pedicle_height_mm,
            "medial_angle_deg": spec.pedicle_medial_deg,
        }
    return entry


def _probe_points(cfg: PhantomConfig, result: PhantomResult) -> dict[str, tuple[np.ndarray, str]]:
    """Anatomy points deep inside one tissue each, with the tissue name of TISSUE_HU."""
    by_name = {s.name: s for s in result.spine}
    l1, l2, l3 = by_name["L1"], by_name["L2"], by_name["L3"]
    les = result.lesion
    sac_u = (SAC_SEMI_MM[0] + 2.5) / 2.0
    z_mid = 0.5 * (l2.z_mm - l2.height_mm / 2.0 + l3.z_mm + l3.height_mm / 2.0)
    return {
        "cord": (_local_to_anatomy(cfg, l1, (0.0, SAC_CENTRE_V_MM + 0.3, 0.0)), "cord"),
        "csf": (_local_to_anatomy(cfg, l3, (sac_u, SAC_CENTRE_V_MM, 0.0)), "csf"),
        "cancellous_bone": (_local_to_anatomy(cfg, l3, (-8.0, BODY_POSTERIOR_V_MM - l3.depth_mm / 2.0, 0.0)),
                            "cancellous_bone"),
        "lesion": (_local_to_anatomy(cfg, l2, les.centre_uvw), "lesion"),
        "disc_nucleus": (np.array([0.0, float(cfg.canal_y_mm(z_mid)) - 18.0, z_mid]), "disc_nucleus"),
        "muscle": (np.array([-36.0, float(cfg.canal_y_mm(0.0)) + 25.0, 0.0]), "muscle"),
        "subcutaneous_fat": (np.array([20.0, BACK_SKIN_Y_MM - SKIN_MM - 10.0, 0.0]), "fat"),
        "air": (np.array([0.0, BACK_SKIN_Y_MM + 25.0, 0.0]), "air"),
    }


def _neighbourhood_mean(vol: np.ndarray, kji: tuple[int, int, int]) -> float:
    k, j, i = kji
    return float(vol[max(k - 1, 0):k + 2, max(j - 1, 0):j + 2, max(i - 1, 0):i + 2].mean())


def build_landmarks(result: PhantomResult) -> dict:
    """All reference points of ``result`` as a JSON-ready dict (LPS mm, see the README)."""
    cfg = result.config
    volume = result.volume
    out: dict = {"frame": "LPS", "units": "mm", "vertebrae": {}}
    for spec in result.spine:
        if spec.name in ("L1", "L2", "L3"):
            out["vertebrae"][spec.name] = _vertebra_entry(cfg, spec)
    out["mid_sagittal_plane"] = {"point_lps": _lps(cfg, (0.0, 0.0, 0.0)), "normal_lps": [1.0, 0.0, 0.0]}
    kji = np.argwhere(result.labels == lab.LESION)
    pts = volume.to_lps(kji_to_ijk(kji).astype(float))
    vox_mm3 = float(np.prod(cfg.spacing_mm))
    l2 = next(s for s in result.spine if s.name == result.lesion.vertebra)
    out["lesion"] = {
        "vertebra": result.lesion.vertebra,
        "side": "left" if result.lesion.centre_uvw[0] > 0 else "right",  # u = x: + is the patient's left
        "centre_lps": _lps(cfg, _local_to_anatomy(cfg, l2, result.lesion.centre_uvw)),
        "semi_axes_mm": list(result.lesion.semi_axes_mm),
        "extent_min_lps": [round(float(c), 3) for c in pts.min(axis=0)],
        "extent_max_lps": [round(float(c), 3) for c in pts.max(axis=0)],
        "volume_ml": round(len(pts) * vox_mm3 / 1000.0, 3),
        "breaks_posterior_wall": True,
    }
    probes = {}
    for name, (xyz, tissue) in _probe_points(cfg, result).items():
        point = _lps(cfg, xyz)
        kji_p = ijk_to_array_index(volume.to_ijk(point))
        probes[name] = {
            "point_lps": point,
            "tissue": tissue,
            "label": int(result.labels[kji_p]),
            "nominal_hu": TISSUE_HU[tissue],
            "expected_mean_hu": round(_neighbourhood_mean(result.clean_hu, kji_p), 1),
            "neighbourhood": "3x3x3 voxels centred on the nearest voxel",
            "noise_sd_hu": cfg.noise_hu,
        }
    out["probes"] = probes
    return out
