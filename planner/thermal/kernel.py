"""One explicit (forward-Euler, 7-point) time step of the Pennes bioheat equation, with CEM43 dose.

    rho c dT/dt = div(k grad T) + w_b c_b (T_a - T) + Q              (Pennes, J Appl Physiol 1948)

Conductance between two voxels is the harmonic mean of their conductivities (flux continuity at a
material interface), tabulated per label pair. In the freezing interval [solidus, liquidus] the heat
capacity carries the latent heat (apparent-heat-capacity method): c_eff = c + water L / (liq - sol).
Perfusion stops where tissue is coagulated (CEM43 >= shutdown) or frozen (T < liquidus).
Temperatures are capped at ``t_max`` (100 °C: the heat above it goes into vaporisation, which is not
modelled otherwise) and floored at ``t_min`` (the cryoprobe's gas temperature).
CEM43 (Sapareto & Dewey, Int J Radiat Oncol Biol Phys 1984): dose += R^(43 - T) dt / 60 min with
R = 0.5 at T >= 43 °C and 0.25 below; contributions below 39 °C (< 0.004 min per minute) are dropped,
and temperatures above 100 °C count as 100 °C (the dose is astronomically past any threshold there).
``peak`` and ``low`` (T - t_off) keep each voxel's highest and lowest temperature.
The boundary layer of the grid is held at its initial temperature (Dirichlet). The arrays hold
T - t_off (t_off = body temperature) so float32 resolves rises of 1e-6 K (37 °C in float32 would
round each step's increment to 4e-6 K).

The numba kernel is used when numba is installed; :func:`step_numpy` is the same arithmetic in numpy
(about 10x slower) so the model still runs without it.
"""

from __future__ import annotations

import os

import numpy as np

try:  # numba is a declared dependency; the fallback keeps a broken install usable (slowly)
    from numba import njit, prange
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba
    HAVE_NUMBA = False

CEM_FLOOR_C = 39.0
CEM_CEIL_C = 100.0  # dose rate taken at 100 °C above it (1.4e17 min per min; no float32 overflow)


def _step_py(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art, t_max, t_min, shutdown,
             liq, sol, t_off, peak, low):
    nz, ny, nx = T.shape
    for z in prange(1, nz - 1):
        for y in range(1, ny - 1):
            for x in range(1, nx - 1):
                tc = T[z, y, x]
                t_zm = T[z - 1, y, x]
                t_zp = T[z + 1, y, x]
                t_ym = T[z, y - 1, x]
                t_yp = T[z, y + 1, x]
                t_xm = T[z, y, x - 1]
                t_xp = T[z, y, x + 1]
                qv = q[z, y, x]
                if (tc == 0.0 and qv == 0.0 and t_zm == 0.0 and t_zp == 0.0 and t_ym == 0.0 and t_yp == 0.0
                        and t_xm == 0.0 and t_xp == 0.0 and t_art == 0.0):
                    Tn[z, y, x] = 0.0  # quiet voxel at body temperature: nothing changes
                    continue
                lc = lab[z, y, x]
                l_zm = lab[z - 1, y, x]
                l_zp = lab[z + 1, y, x]
                l_ym = lab[z, y - 1, x]
                l_yp = lab[z, y + 1, x]
                l_xm = lab[z, y, x - 1]
                l_xp = lab[z, y, x + 1]
                if l_zm == lc and l_zp == lc and l_ym == lc and l_yp == lc and l_xm == lc and l_xp == lc:
                    flux = kf[lc, lc] * (t_zm + t_zp + t_ym + t_yp + t_xm + t_xp - 6.0 * tc)
                else:
                    flux = (kf[lc, l_zm] * (t_zm - tc) + kf[lc, l_zp] * (t_zp - tc) + kf[lc, l_ym] * (t_ym - tc)
                            + kf[lc, l_yp] * (t_yp - tc) + kf[lc, l_xm] * (t_xm - tc) + kf[lc, l_xp] * (t_xp - tc))
                src = flux + qscale * qv
                ta = tc + t_off
                if ta > liq:
                    if cem[z, y, x] < shutdown:
                        src += wcb[lc] * (t_art - tc)
                    tn = tc + dt * invrc[lc] * src
                elif ta > sol:
                    tn = tc + dt * invrc_pc[lc] * src
                else:
                    tn = tc + dt * invrc[lc] * src
                if tn > t_max - t_off:
                    tn = t_max - t_off
                elif tn < t_min - t_off:
                    tn = t_min - t_off
                Tn[z, y, x] = tn
                if tn > peak[z, y, x]:
                    peak[z, y, x] = tn
                elif tn < low[z, y, x]:
                    low[z, y, x] = tn
                tn += t_off
                if tn > CEM_CEIL_C:
                    tn = CEM_CEIL_C
                if tn > CEM_FLOOR_C:
                    if tn >= 43.0:
                        cem[z, y, x] += dt / 60.0 * 0.5 ** (43.0 - tn)
                    else:
                        cem[z, y, x] += dt / 60.0 * 0.25 ** (43.0 - tn)


_COMPILED: dict[bool, object] = {}


def numba_kernel(parallel: bool):
    """The compiled kernel (serial or threaded), compiled on first use and cached on disk."""
    if parallel not in _COMPILED:
        _COMPILED[parallel] = njit(parallel=parallel, cache=True, nogil=True, fastmath=True, error_model="numpy")(_step_py)
    return _COMPILED[parallel]


def default_parallel() -> bool:
    """Threads only when asked (SPINE_PLANNER_THERMAL_THREADS > 1): on a shared, loaded 2-core
    machine the threaded kernel measured slower than the serial one (benchmarks/bench_thermal.py)."""
    try:
        return int(os.environ.get("SPINE_PLANNER_THERMAL_THREADS", "1")) > 1
    except ValueError:
        return False


def step_numpy(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art, t_max, t_min, shutdown,
               liq, sol, t_off, peak, low):
    """Same step as the numba kernel, vectorised (interior voxels only)."""
    c = (slice(1, -1),) * 3
    tc = T[c]
    lc = lab[c]
    flux = np.zeros_like(tc)
    for axis in range(3):
        for shift in (-1, 1):
            s = [slice(1, -1)] * 3
            s[axis] = slice(1 + shift, T.shape[axis] - 1 + shift)
            s = tuple(s)
            flux += kf[lc, lab[s]] * (T[s] - tc)
    src = flux + qscale * q[c]
    ta = tc + t_off
    liquid = ta > liq
    perf = np.where(liquid & (cem[c] < shutdown), wcb[lc] * (t_art - tc), 0.0)
    rate = np.where(liquid | (ta <= sol), invrc[lc], invrc_pc[lc])
    tn = np.clip(tc + dt * rate * (src + perf), t_min - t_off, t_max - t_off).astype(T.dtype)
    Tn[c] = tn
    np.maximum(peak[c], tn, out=peak[c])
    np.minimum(low[c], tn, out=low[c])
    tn = np.minimum(tn + t_off, CEM_CEIL_C)
    hot = tn > CEM_FLOOR_C
    r = np.where(tn >= 43.0, 0.5, 0.25)
    dose = np.where(hot, dt / 60.0 * r ** (43.0 - np.where(hot, tn, 43.0)), 0.0)
    cem[c] += dose.astype(cem.dtype)


def step(*args, use_numba: bool | None = None, parallel: bool | None = None) -> None:
    """One time step; ``use_numba=None`` picks numba when available."""
    if HAVE_NUMBA and use_numba is not False:
        numba_kernel(default_parallel() if parallel is None else bool(parallel))(*args)
    elif use_numba:
        raise RuntimeError("numba is not installed")
    else:
        step_numpy(*args)
