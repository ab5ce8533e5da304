"""Run the Pennes model through a protocol: phases of constant sources, recording probes and groups.

:func:`solve` is the one entry point. It takes the tissue labels on a :class:`ThermalGrid`, the unit
source maps of the applicators, and the phases (duration and the power of each applicator), and
returns the temperature curves of point probes (trilinear), the hottest-voxel curves of voxel groups
(canal, cord, foramina) with the dose of their worst voxel, the final CEM43 map and the peak map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from planner.core.errors import LoadCancelled
from planner.core.lazy import lazy_module
from planner.thermal.grid import ThermalGrid
from planner.thermal.tissues import TissueTable

kernel = lazy_module("planner.thermal.kernel")  # Numba: imported when a bioheat run starts (start-up time)

# Fraction of the explicit limit dt <= rho c / (2 d k / h^2 + w_b c_b) (stable_dt_s). 0.95 (was 0.9):
# the closed-form, calibration, convergence and literature tests also pass at 0.98; the 5 % margin keeps
# the grid-scale (checkerboard) mode damped (amplification 1 - 2 x 0.95 = -0.9 per step).
STABILITY = 0.95
FLUSH_K = 1e-9   # |T - t0| below this is set to 0 (no float32 denormals: 10-100x slower on x86)


class ThermalCancelled(LoadCancelled):
    """The user cancelled a thermal simulation; nothing was published (a LoadCancelled, so the
    app's workers report it as a cancel, not a failure)."""


@dataclass(frozen=True)
class Phase:
    duration_s: float
    powers_w: tuple[float, ...]  # per source map, W (cryo: full flow = 1)
    label: str = ""


@dataclass
class SolveResult:
    time_s: np.ndarray
    probes_c: np.ndarray                 # (n_time, n_probes)
    groups_max_c: dict[str, np.ndarray]  # name -> (n_time,) hottest voxel of the group at each time
    groups_min_c: dict[str, np.ndarray]  # name -> (n_time,) coldest voxel (cryo)
    groups_cem43_min: dict[str, float]   # name -> dose of the group's worst voxel
    cem43_min: np.ndarray                # (nk, nj, ni) final dose map
    peak_c: np.ndarray                   # (nk, nj, ni) highest temperature reached
    min_c: np.ndarray                    # (nk, nj, ni) lowest temperature reached
    dt_s: float
    steps: int
    phases: tuple = field(default_factory=tuple)


def stable_dt_s(labels: np.ndarray, grid: ThermalGrid, tissues: TissueTable) -> float:
    """``STABILITY`` times the explicit step limit of the voxels of ``labels`` (air, k = 0, does not limit it).

    Forward Euler with the 7-point stencil in d = 3 dimensions is stable for alpha dt / h^2 <= 1 / (2 d)
    (von Neumann analysis of the FTCS scheme: Press et al., Numerical Recipes 3rd ed. 2007, sec. 20.2,
    alpha dt / h^2 <= 1/2 in one dimension; Strikwerda, Finite Difference Schemes and PDEs 2nd ed. 2004,
    ch. 6 on parabolic equations).
    With perfusion and a tissue map, the same bound voxel by voxel, dt <= rho c / (sum of the six face
    conductances / h^2 + w_b c_b), keeps every coefficient of the update non-negative (the discrete
    maximum principle): no new extremum, so temperatures stay between the initial / arterial ones and the
    sources' (the kernel relies on it to skip the freezing band in heating runs) and the 100 °C cap and
    the dose see no oscillation. It is taken over the interior voxels of ``labels`` (a voxel next to a
    better conductor can be more restrictive than its own tissue alone); air (k = 0) is held.
    """
    lab = np.ascontiguousarray(labels, dtype=np.uint8)
    if min(lab.shape) < 3:
        return 1.0
    kf, invrc, _, wcb = _tables(tissues, grid.spacing_mm * 1e-3)
    c = (slice(1, -1),) * 3
    lc = lab[c]
    total = np.zeros(lc.shape, np.float64)
    for axis in range(3):
        for shift in (-1, 1):
            s = [slice(1, -1)] * 3
            s[axis] = slice(1 + shift, lab.shape[axis] - 1 + shift)
            total += kf[lc, lab[tuple(s)]]
    rate = float(np.max((total + wcb[lc]) * invrc[lc]))
    return float(STABILITY / rate) if rate > 0 else 1.0


def _tables(tissues: TissueTable, h_m: float):
    k = tissues.conductivity_w_m_k
    with np.errstate(invalid="ignore", divide="ignore"):
        kf = np.where((k[:, None] + k[None, :]) > 0, 2 * k[:, None] * k[None, :] / (k[:, None] + k[None, :]), 0.0)
    kf = (kf / h_m ** 2).astype(np.float64)
    rc = tissues.rho_c
    invrc = np.where(k > 0, 1.0 / rc, 0.0)  # air (k = 0) is held at its temperature
    span = tissues.liquidus_c - tissues.solidus_c
    c_pc = tissues.heat_capacity_j_kg_k + tissues.water_fraction * tissues.latent_heat_j_kg / max(span, 1e-6)
    invrc_pc = np.where(k > 0, 1.0 / (tissues.density_kg_m3 * c_pc), 0.0)
    return kf, invrc.astype(np.float64), invrc_pc.astype(np.float64), tissues.perfusion_w_m3_k.astype(np.float64)


def _trilinear(grid: ThermalGrid, points_lps) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (n, 8) and weights (n, 8) of trilinear interpolation at LPS points."""
    pts = np.asarray(points_lps, dtype=float).reshape(-1, 3)
    ijk = grid.to_ijk(pts)
    nk, nj, ni = grid.shape_kji
    base = np.floor(ijk).astype(int)
    base = np.clip(base, 0, np.array([ni - 2, nj - 2, nk - 2]))
    f = np.clip(ijk - base, 0.0, 1.0)
    idx, wts = [], []
    for di in (0, 1):
        for dj in (0, 1):
            for dk in (0, 1):
                i, j, k = base[:, 0] + di, base[:, 1] + dj, base[:, 2] + dk
                idx.append((k * nj + j) * ni + i)
                wts.append(np.where(di, f[:, 0], 1 - f[:, 0]) * np.where(dj, f[:, 1], 1 - f[:, 1])
                           * np.where(dk, f[:, 2], 1 - f[:, 2]))
    return np.stack(idx, axis=1), np.stack(wts, axis=1)


def solve(grid: ThermalGrid, labels: np.ndarray, tissues: TissueTable, sources: Sequence[np.ndarray],
          phases: Sequence[Phase], probes_lps=(), groups: dict[str, np.ndarray] | None = None,
          t0_c: float | None = None, dt_s: float | None = None, max_temperature_c: float = 100.0,
          min_temperature_c: float = -150.0, perfusion_shutdown: bool = True,
          progress: Callable[[float], None] | None = None, cancelled: Callable[[], bool] | None = None,
          use_numba: bool | None = None, mirror_ij: bool = False, parallel: bool | None = None,
          extend_cooling_s: float = 0.0) -> SolveResult:
    """Integrate the protocol. ``groups`` maps a name to a boolean mask on the grid.

    ``extend_cooling_s``: after the last phase, keep cooling in 30 s chunks (at most this long) while
    a probe or a group's hottest voxel is still at its peak and above 37.5 °C (heat still arriving).

    ``mirror_ij``: the grid is a quarter of a problem symmetric about the planes i = 1 and j = 1
    (an applicator along k through voxel (1, 1)); planes i = 0 and j = 0 mirror i = 2 and j = 2."""
    labels = np.ascontiguousarray(labels, dtype=np.uint8)
    if labels.shape != tuple(grid.shape_kji):
        raise ValueError(f"labels shape {labels.shape} does not match the grid {grid.shape_kji}")
    t0 = tissues.arterial_c if t0_c is None else float(t0_c)
    dt_max = stable_dt_s(labels, grid, tissues)
    dt_target = dt_max if dt_s is None else min(float(dt_s), dt_max)
    kf, invrc, invrc_pc, wcb = _tables(tissues, grid.spacing_mm * 1e-3)
    shutdown = tissues.shutdown_cem43_min if perfusion_shutdown else 1e30
    t_art = tissues.arterial_c
    t_hi, t_lo = min(float(max_temperature_c), 1e30), max(float(min_temperature_c), -1e30)
    T = np.zeros(grid.shape_kji, dtype=np.float32)  # T - t0
    Tn = T.copy()
    cem = np.zeros(grid.shape_kji, dtype=np.float32)
    peak = T.copy()  # T - t0
    low = T.copy()
    zero = np.zeros(grid.shape_kji, dtype=np.float32)
    # A sink (cryo) or arterial blood below the start can take voxels below t0: only then are the
    # latent-heat band and the lowest temperature needed (otherwise T >= t0, the scheme being monotone
    # under the step limit of stable_dt_s).
    cold = any(float(np.min(s)) < 0.0 for s in sources) or t_art < t0
    fast = kernel.HAVE_NUMBA and use_numba is not False
    if use_numba and not kernel.HAVE_NUMBA:
        raise RuntimeError("numba is not installed")
    if fast:
        kx, ky, kz = kernel.face_tables(labels, kf)
        rate, rate_pc, wv = kernel.voxel_tables(labels, invrc, invrc_pc, wcb, cold)
        row_k, row_rate, row_w = kernel.row_tables(labels, kf, invrc, wcb)
        kern = kernel.numba_kernel(kernel.default_parallel() if parallel is None else bool(parallel))
    p_idx, p_w = _trilinear(grid, probes_lps) if len(probes_lps) else (np.zeros((0, 8), int), np.zeros((0, 8)))
    gidx = {name: np.flatnonzero(np.asarray(m, dtype=bool)) for name, m in (groups or {}).items()}
    combined_cache: dict[tuple, np.ndarray] = {}
    n_steps = [max(1, int(np.ceil(ph.duration_s / dt_target - 1e-9))) for ph in phases]
    total = sum(n_steps)
    times, probes, gmax, gmin = [0.0], [_probe(T, p_idx, p_w) + t0], {n: [t0] for n in gidx}, {n: [t0] for n in gidx}
    t_now, done = 0.0, 0
    def still_rising() -> bool:
        curves = [np.asarray(probes)[:, j] for j in range(p_idx.shape[0])] + [np.asarray(v) for v in gmax.values()]
        return any(c[-1] >= c.max() - 1e-4 and c[-1] > t0 + 0.5 for c in curves)

    extra = [Phase(30.0, (0.0,) * len(sources), "cooling")] * int(np.ceil(extend_cooling_s / 30.0))
    ran = list(phases)
    for n_phase, ph in enumerate(list(phases) + extra):
        if n_phase >= len(phases):
            if not still_rising():
                break
            ran.append(ph)
            n = max(1, int(np.ceil(ph.duration_s / dt_target - 1e-9)))
            total += n
        else:
            n = n_steps[n_phase]
        q, qscale = _combined(sources, ph.powers_w, combined_cache, zero)
        dt = ph.duration_s / n
        for _ in range(n):
            if cancelled is not None and cancelled():
                raise ThermalCancelled("The thermal simulation was cancelled.")
            if fast:
                kern(T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, float(qscale), cem, float(dt),
                     float(t_art - t0), float(t_hi), float(t_lo), float(shutdown), float(tissues.liquidus_c),
                     float(tissues.solidus_c), float(t0), peak, low, cold, FLUSH_K)
            else:
                kernel.step_numpy(T, Tn, labels, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art - t0, t_hi,
                                  t_lo, shutdown, tissues.liquidus_c, tissues.solidus_c, t0, peak, low, flush_k=FLUSH_K)
            T, Tn = Tn, T
            if mirror_ij:
                T[:, :, 0] = T[:, :, 2]
                T[:, 0, :] = T[:, 2, :]
            t_now += dt
            done += 1
            times.append(t_now)
            probes.append(_probe(T, p_idx, p_w) + t0)
            flat = T.reshape(-1)
            for name, idx in gidx.items():
                vals = flat[idx] if idx.size else np.zeros(1, np.float32)
                gmax[name].append(float(vals.max()) + t0)
                gmin[name].append(float(vals.min()) + t0)
            if progress is not None and done % 20 == 0:
                progress(min(1.0, done / total))
    if progress is not None:
        progress(1.0)
    cem_flat = cem.reshape(-1)
    gcem = {n: (float(cem_flat[idx].max()) if idx.size else 0.0) for n, idx in gidx.items()}
    return SolveResult(np.asarray(times), np.asarray(probes).reshape(len(times), -1),
                       {n: np.asarray(v) for n, v in gmax.items()}, {n: np.asarray(v) for n, v in gmin.items()},
                       gcem, cem, peak + np.float32(t0), low + np.float32(t0), float(dt_target), total,
                       tuple(ran))


def _probe(T, idx, w) -> np.ndarray:
    if idx.size == 0:
        return np.zeros(0)
    return (T.reshape(-1)[idx] * w).sum(axis=1)


def _combined(sources, powers, cache, zero):
    """The source map and scale for one phase: a single active map is scaled, several are summed."""
    if len(powers) != len(sources):
        raise ValueError("a phase needs one power per source map")
    active = [(s, float(p)) for s, p in zip(sources, powers) if p != 0]
    if not active:
        return zero, 0.0
    if len(active) == 1:
        return active[0][0], active[0][1]
    key = tuple(float(p) for p in powers)
    if key not in cache:
        total = np.zeros_like(zero)
        for s, p in active:
            total += np.float32(p) * s
        cache[key] = total
    return cache[key], 1.0
