"""Implicit model of lumbar vertebrae, discs and the spinal canal (anatomy coordinates, mm).

Dimensions are the textbook-typical adult values of DOMAIN.md ("Typical adult lumbar vertebra";
estimates): body width 40-50 mm, depth 30-35 mm, height 25-28 mm; pedicle width 7-10 mm, height about
14 mm, pointing 10-20 degrees medially from back to front; canal AP about 16 mm, transverse about
23 mm; transverse processes 70-85 mm tip to tip; spinous process about 30 mm pointing back and down;
discs about 10 mm.

Each vertebra has a local frame on the canal centre line at its mid-height: ``u`` = left (x),
``v`` = posterior, ``w`` = along the spine toward the head, tilted in the sagittal plane with the
lordosis. All shapes are signed distances (negative inside), see :mod:`planner.phantom.shapes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.phantom.shapes import ellipse_sd, rod_sd, smooth_union

#: Canal cross-section semi-axes (transverse, AP) in mm: 23 x 16 mm (DOMAIN.md, Kang 2012).
CANAL_SEMI_MM = (11.5, 8.0)
#: Anatomy v of the flat posterior wall of the vertebral bodies (the canal carves its midline).
BODY_POSTERIOR_V_MM = -5.5
#: Cortical shell thickness (mm); endplates are thicker by ENDPLATE_FACTOR.
CORTEX_MM = 1.0
ENDPLATE_FACTOR = 1.8


@dataclass(frozen=True)
class VertebraSpec:
    """Sizes (mm, degrees) of one vertebra; ``z_mm`` is its mid-height in anatomy coordinates."""

    name: str
    label: int
    z_mm: float
    height_mm: float
    width_mm: float
    depth_mm: float
    pedicle_width_mm: float
    pedicle_height_mm: float
    pedicle_medial_deg: float
    tp_half_span_mm: float
    spinous_length_mm: float = 30.0


def default_spine() -> tuple[VertebraSpec, ...]:
    """T12 (partial), L1, L2, L3, L4 (partial), top to bottom; discs of 9, 10, 11, 11 mm between."""
    return (
        VertebraSpec("T12", 1, 69.0, 24.0, 41.0, 30.0, 8.0, 15.0, 8.0, 28.0, 28.0),
        VertebraSpec("L1", 2, 35.5, 25.0, 43.0, 31.0, 7.5, 14.0, 10.0, 36.0),
        VertebraSpec("L2", 3, 0.0, 26.0, 45.0, 32.0, 8.5, 14.0, 12.0, 40.0),
        VertebraSpec("L3", 4, -37.5, 27.0, 47.0, 33.0, 9.5, 14.0, 15.0, 42.0),
        VertebraSpec("L4", 5, -75.5, 27.0, 49.0, 34.0, 10.5, 14.0, 18.0, 40.0, 28.0),
    )


@dataclass(frozen=True)
class LocalFrame:
    """A sagittally tilted frame: origin (anatomy mm) on the canal centre line, tilt about x."""

    origin_y_mm: float
    origin_z_mm: float
    tilt_rad: float

    def to_local(self, x, y, z):
        """Anatomy (x, y, z) -> local (u, v, w); Python-float factors keep float32 arrays float32."""
        c, s = float(np.cos(self.tilt_rad)), float(np.sin(self.tilt_rad))
        dy, dz = y - self.origin_y_mm, z - self.origin_z_mm
        return x, dy * c - dz * s, dy * s + dz * c

    def to_anatomy(self, uvw) -> np.ndarray:
        """Local (u, v, w) points ``(..., 3)`` -> anatomy (x, y, z)."""
        p = np.asarray(uvw, dtype=float)
        c, s = np.cos(self.tilt_rad), np.sin(self.tilt_rad)
        u, v, w = p[..., 0], p[..., 1], p[..., 2]
        return np.stack([u, self.origin_y_mm + v * c + w * s, self.origin_z_mm - v * s + w * c], -1)


def frame_at(cfg, z_mm: float) -> LocalFrame:
    """The local frame on the canal centre line of ``cfg`` at anatomy height ``z_mm``."""
    return LocalFrame(float(cfg.canal_y_mm(z_mm)), float(z_mm), cfg.canal_tilt_rad(z_mm))


def canal_sd(cfg, x, y, z):
    """Signed distance (mm, in the axial plane) to the spinal canal, an elliptic tube on the lordosis."""
    return ellipse_sd(x, y - cfg.canal_y_mm(z).astype(np.float32), *CANAL_SEMI_MM)


def body_section_sd(spec: VertebraSpec, u, v, scale=1.0, bulge_mm: float = 0.0):
    """2D signed distance to the body's axial section: an ellipse cut flat at the posterior wall."""
    semi_depth = spec.depth_mm / 2.0 + 1.25
    centre_v = BODY_POSTERIOR_V_MM - spec.depth_mm + semi_depth
    ell = ellipse_sd(u, v - centre_v, (spec.width_mm / 2.0) * scale + bulge_mm,
                     semi_depth * scale + bulge_mm)
    return np.maximum(ell, v - (BODY_POSTERIOR_V_MM + bulge_mm))


def body_sd(spec: VertebraSpec, u, v, w):
    """Vertebral body: waisted elliptic prism; axial distances scaled so the endplates are thicker."""
    half_h = spec.height_mm / 2.0
    waist = 1.0 - 0.05 * (1.0 - np.clip(w / half_h, -1.0, 1.0) ** 2)
    return np.maximum(body_section_sd(spec, u, v, waist), (np.abs(w) - half_h) / ENDPLATE_FACTOR)


@dataclass(frozen=True)
class PedicleAxis:
    """Pedicle axis in the local frame: ``front_uvw`` at the posterior body wall, unit ``back_dir``."""

    front_uvw: np.ndarray
    back_dir: np.ndarray
    length_mm: float


def pedicle_axis(spec: VertebraSpec, side: int) -> PedicleAxis:
    """Axis of the left (``side`` = +1) or right (-1) pedicle, from the body wall to the lamina.

    Its medial wall reaches into the canal ellipse so the canal carves it; the axis points
    ``pedicle_medial_deg`` medially from back to front.
    """
    theta = np.radians(spec.pedicle_medial_deg)
    u0 = CANAL_SEMI_MM[0] + spec.pedicle_width_mm / 2.0 - 1.5
    front = np.array([side * u0, BODY_POSTERIOR_V_MM, 0.15 * spec.height_mm])
    back_dir = np.array([side * np.sin(theta), np.cos(theta), 0.0])
    length = (CANAL_SEMI_MM[1] - BODY_POSTERIOR_V_MM) / np.cos(theta)
    return PedicleAxis(front, back_dir, float(length))


def posterior_parts_sd(spec: VertebraSpec, u, v, w) -> list[tuple[str, int, object]]:
    """The posterior arch's parts as ``(name, side, signed distance)``, side +1 left, -1 right, 0 midline.

    Names: ``pedicle``, ``lamina``, ``superior_articular``, ``inferior_articular``, ``transverse``,
    ``spinous``; they map onto the ISRC sectors (pedicle; lamina, articular and transverse processes;
    spinous process) in the sector tests.
    """
    coords = (u, v, w)
    up, ap = (0.0, 0.0, 1.0), (0.0, 1.0, 0.0)
    half_h = spec.height_mm / 2.0
    parts = []
    for side in (1, -1):
        ax = pedicle_axis(spec, side)
        start = ax.front_uvw - 4.0 * ax.back_dir
        junction = ax.front_uvw + ax.length_mm * ax.back_dir
        ju, jv, jw = junction
        parts += [
            ("pedicle", side, rod_sd(coords, start, junction, spec.pedicle_height_mm / 2.0,
                                     spec.pedicle_width_mm / 2.0, up)),
            ("lamina", side, rod_sd(coords, (ju - side * 1.0, jv + 0.5, jw - 5.0), (0.0, 11.2, -6.0), 9.0, 3.2, up)),
            ("superior_articular", side, rod_sd(coords, (ju + side * 1.5, jv + 1.0, jw + 1.0),
                                                (ju + side * 2.5, jv + 1.5, half_h + 7.0), 5.5, 3.0, ap)),
            ("inferior_articular", side, rod_sd(coords, (ju - side * 4.0, jv + 4.0, -5.0),
                                                (ju - side * 3.5, jv + 4.5, -half_h - 6.0), 5.0, 2.8, ap)),
            ("transverse", side, rod_sd(coords, (ju, jv - 1.5, jw - 1.0),
                                        (side * spec.tp_half_span_mm, jv + 5.0, jw + 1.0), 4.5, 3.2, up)),
        ]
    angle = np.radians(20.0)
    root = (0.0, 12.0, -6.0)
    tip = (0.0, root[1] + spec.spinous_length_mm * np.cos(angle),
           root[2] - spec.spinous_length_mm * np.sin(angle))
    parts.append(("spinous", 0, rod_sd(coords, root, tip, 7.0, 3.0, up)))
    return parts


def posterior_sd(spec: VertebraSpec, u, v, w):
    """Posterior arch: pedicles, laminae, articular and transverse processes, spinous process."""
    parts = posterior_parts_sd(spec, u, v, w)
    d = parts[0][2]
    for _, _, part in parts[1:-1]:
        d = smooth_union(d, part, 2.5)
    return smooth_union(d, parts[-1][2], 2.5)


def vertebra_sd(cfg, spec: VertebraSpec, x, y, z):
    """(distance to the whole vertebra, distance to its body), both in mm, at anatomy (x, y, z)."""
    u, v, w = frame_at(cfg, spec.z_mm).to_local(x, y, z)
    d_body = body_sd(spec, u, v, w)
    d_post = posterior_sd(spec, u, v, w)
    return smooth_union(d_body, d_post, 3.0), d_body


def vertebra_box(cfg, spec: VertebraSpec) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Anatomy box (lo, hi) that surely holds the vertebra."""
    yc = float(cfg.canal_y_mm(spec.z_mm))
    half_x = spec.tp_half_span_mm + 8.0
    lo = (-half_x, yc - spec.depth_mm - 20.0, spec.z_mm - spec.height_mm / 2.0 - 26.0)
    hi = (half_x, yc + spec.spinous_length_mm + 28.0, spec.z_mm + spec.height_mm / 2.0 + 18.0)
    return lo, hi


def disc_sd(cfg, upper: VertebraSpec, lower: VertebraSpec, x, y, z):
    """Signed distance (mm) to the disc between two bodies: bulging section between the endplates.

    Returns ``(d_disc, d_nucleus)``; the nucleus pulposus is the inner, slightly posterior core.
    """
    z_mid = (upper.z_mm - upper.height_mm / 2.0 + lower.z_mm + lower.height_mm / 2.0) / 2.0
    u, v, _ = frame_at(cfg, z_mid).to_local(x, y, z)
    _, _, w_up = frame_at(cfg, upper.z_mm).to_local(x, y, z)
    _, _, w_lo = frame_at(cfg, lower.z_mm).to_local(x, y, z)
    section = body_section_sd(upper, u, v, 1.0, bulge_mm=1.0)
    below_upper = w_up + upper.height_mm / 2.0 - 0.5
    above_lower = lower.height_mm / 2.0 - 0.5 - w_lo
    d = np.maximum(section, np.maximum(below_upper, above_lower))
    nucleus = np.maximum(body_section_sd(upper, u * 1.8, (v + 4.0) * 1.8, 1.0), d + 2.0)
    return d, nucleus


def disc_box(cfg, upper: VertebraSpec, lower: VertebraSpec):
    """Anatomy box (lo, hi) that surely holds the disc between ``upper`` and ``lower``."""
    z_hi = upper.z_mm - upper.height_mm / 2.0 + 6.0
    z_lo = lower.z_mm + lower.height_mm / 2.0 - 6.0
    yc = float(cfg.canal_y_mm((z_hi + z_lo) / 2.0))
    half_x = max(upper.width_mm, lower.width_mm) / 2.0 + 4.0
    return (-half_x, yc - max(upper.depth_mm, lower.depth_mm) - 12.0, z_lo), (half_x, yc + 2.0, z_hi)


#: Thecal sac: centre offset (mm, anterior negative) and semi-axes inside the canal.
SAC_CENTRE_V_MM = -0.6
SAC_SEMI_MM = (9.0, 6.8)


def thecal_sac_sd(cfg, x, y, z):
    """Signed distance (mm, axial plane) to the dural sac holding the CSF."""
    return ellipse_sd(x, y - cfg.canal_y_mm(z).astype(np.float32) - SAC_CENTRE_V_MM, *SAC_SEMI_MM)


def cord_radius_mm(z_mm):
    """Cord radius (mm): 4.5 mm above upper L1, tapering (conus) to a 2.5 mm cauda bundle at L1-L2."""
    t = np.clip((np.asarray(z_mm, dtype=np.float32) - 18.0) / (40.0 - 18.0), 0.0, 1.0)
    return 2.5 + 2.0 * t


def cord_sd(cfg, x, y, z):
    """Signed distance (mm, axial plane) to the cord / cauda equina bundle in the middle of the sac."""
    r = cord_radius_mm(z)
    return ellipse_sd(x / 1.15, y - cfg.canal_y_mm(z).astype(np.float32) - (SAC_CENTRE_V_MM + 0.3), r, r)
