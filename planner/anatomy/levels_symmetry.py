"""The mid-sagittal plane of a vertebra from its mirror symmetry.

The bone of one vertebra (body, pedicles, laminae, spinous and transverse processes), projected along
its cranio-caudal axis, is close to mirror-symmetric about the mid-sagittal line. For each candidate
angle the projection is resampled with the candidate normal along the columns; the mirror
correlation ``c(d) = sum Q(a, b) Q(a, 2d - b)`` for every offset ``d`` at once is a self-convolution
along ``b``, computed with one FFT. The best (angle, offset) pair is refined with parabolas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.anatomy.resample_kernel import points_linear_2d


@dataclass(frozen=True)
class MirrorLine:
    """Symmetry line in the (u, v) plane: unit normal ``(cos a, sin a)`` through ``point_uv``.

    ``score`` is the normalised mirror correlation (1 for a perfectly symmetric image).
    """

    angle_rad: float
    point_uv: np.ndarray
    score: float

    @property
    def normal_uv(self) -> np.ndarray:
        return np.array([np.cos(self.angle_rad), np.sin(self.angle_rad)])


def _parabola_peak(y_minus: float, y0: float, y_plus: float) -> float:
    """Offset (in samples, within +-0.5) of the vertex of the parabola through three samples."""
    denom = y_minus - 2.0 * y0 + y_plus
    if denom >= 0.0:
        return 0.0
    return float(np.clip(0.5 * (y_minus - y_plus) / denom, -0.5, 0.5))


def _symmetric_samples(half_mm: float, step_mm: float) -> np.ndarray:
    """Samples ``step_mm`` apart, symmetric about 0, covering +-``half_mm``."""
    n = int(np.floor(2.0 * half_mm / step_mm)) + 1
    return (np.arange(n) - (n - 1) / 2.0) * step_mm


def _samples_rc(u_mm: np.ndarray, v_mm: np.ndarray, centre_uv, angle_rad: float, half_width_mm: float,
                half_length_mm: float, step_mm: float) -> np.ndarray:
    """(2, na, nb) array coordinates (row = v, column = u) of the samples compared about the line
    with normal angle ``angle_rad``: ``a`` along the line, ``b`` across it."""
    return _samples_rc_all(u_mm, v_mm, centre_uv, [angle_rad], half_width_mm, half_length_mm, step_mm)[:, 0]


def _samples_rc_all(u_mm: np.ndarray, v_mm: np.ndarray, centre_uv, angles_rad, half_width_mm: float,
                    half_length_mm: float, step_mm: float) -> np.ndarray:
    """(2, n_angles, na, nb): :func:`_samples_rc` of every angle in one set of array operations (the
    same products and sums in the same order per element, so the same numbers)."""
    # the normal n = (cos, sin) and the line's direction t = (-sin, cos) of each angle, as the scalar
    # calls give them; each coordinate of centre + a t + b n summed in that order, u and v apart
    cos = np.array([np.cos(a) for a in np.asarray(angles_rad, dtype=float).reshape(-1)])[:, None, None]
    sin = np.array([np.sin(a) for a in np.asarray(angles_rad, dtype=float).reshape(-1)])[:, None, None]
    b = _symmetric_samples(half_width_mm, step_mm)[None, None, :]
    a = _symmetric_samples(half_length_mm, step_mm)[None, :, None]
    centre = np.asarray(centre_uv, dtype=float).reshape(2)
    iu = (centre[0] + a * -sin + b * cos - u_mm[0]) / step_mm
    iv = (centre[1] + a * cos + b * sin - v_mm[0]) / step_mm
    return np.stack([iv, iu])


def _profile(q: np.ndarray) -> np.ndarray:
    """Normalised mirror correlation of the samples ``q`` (na, nb) against the offset ``d``."""
    nb = q.shape[1]
    energy = float(np.sum(q * q))
    if energy <= 0.0:
        return np.zeros(2 * nb - 1)
    nfft = 2 * nb
    spec = np.fft.rfft(q, n=nfft, axis=1)
    conv = np.fft.irfft(np.sum(spec * spec, axis=0), n=nfft)[: 2 * nb - 1]
    return conv / energy


def _mirror_profiles(image_vu: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray, centre_uv, angles_rad,
                     half_width_mm: float, half_length_mm: float, step_mm: float) -> list[np.ndarray]:
    """Normalised mirror correlation against the offset ``d`` (mm, samples of ``step_mm / 2``), for
    each angle; the image is sampled once for all angles (bilinear, 0 outside:
    :func:`~planner.anatomy.resample_kernel.points_linear_2d`, scipy's numbers)."""
    rc = _samples_rc_all(u_mm, v_mm, np.asarray(centre_uv, dtype=float), angles_rad, half_width_mm,
                         half_length_mm, step_mm)
    q = points_linear_2d(np.asarray(image_vu, dtype=np.float64), rc)
    return _profiles(q)


def _profiles(q: np.ndarray) -> list[np.ndarray]:
    """:func:`_profile` of each ``q[n]`` (n_angles, na, nb), the FFTs of all angles in one call (numpy
    transforms each row on its own, and the sum over ``a`` adds the rows in the same order)."""
    nb = q.shape[2]
    nfft = 2 * nb
    energy = [float(np.sum(qa * qa)) for qa in q]
    spec = np.fft.rfft(q, n=nfft, axis=2)
    conv = np.fft.irfft(np.sum(spec * spec, axis=1), n=nfft, axis=1)[:, : 2 * nb - 1]
    return [conv[n] / e if e > 0.0 else np.zeros(2 * nb - 1) for n, e in enumerate(energy)]


def find_mirror_line(image_vu: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray, centre_uv,
                     max_angle_deg: float = 25.0, max_offset_mm: float = 12.0,
                     half_width_mm: float = 40.0, half_length_mm: float = 55.0,
                     angle_step_deg: float = 1.0) -> MirrorLine:
    """Best mirror line of a 2-D image sampled on ``u_mm`` x ``v_mm`` (same step) near ``centre_uv``.

    Angles are searched over +-``max_angle_deg`` around the u axis (``angle_step_deg``, then a
    parabola), offsets over +-``max_offset_mm`` from ``centre_uv``. ``half_width_mm`` across the line
    and ``half_length_mm`` along it bound the compared region.
    """
    step = float(u_mm[1] - u_mm[0])
    centre = np.asarray(centre_uv, dtype=float).reshape(2)
    angles = np.deg2rad(np.arange(-max_angle_deg, max_angle_deg + 1e-9, angle_step_deg))
    nb = _symmetric_samples(half_width_mm, step).size
    d_mm = (np.arange(2 * nb - 1) - (nb - 1)) * step / 2.0  # conv index s <-> mirror offset d = (b_k + b_l) / 2
    allowed = np.abs(d_mm) <= max_offset_mm
    profiles = _mirror_profiles(image_vu, u_mm, v_mm, centre, angles, half_width_mm, half_length_mm, step)
    best_scores = np.array([np.max(prof[allowed]) for prof in profiles])
    k = int(np.argmax(best_scores))
    angle = angles[k]
    if 0 < k < angles.size - 1:
        angle += _parabola_peak(best_scores[k - 1], best_scores[k], best_scores[k + 1]) * (angles[1] - angles[0])
    prof = _mirror_profiles(image_vu, u_mm, v_mm, centre, [angle], half_width_mm, half_length_mm, step)[0]
    prof = np.where(allowed, prof, -np.inf)
    s = int(np.argmax(prof))
    d = d_mm[s]
    if 0 < s < prof.size - 1 and np.isfinite(prof[s - 1]) and np.isfinite(prof[s + 1]):
        d += _parabola_peak(prof[s - 1], prof[s], prof[s + 1]) * step / 2.0
    normal = np.array([np.cos(angle), np.sin(angle)])
    return MirrorLine(float(angle), centre + d * normal, float(prof[s]))
