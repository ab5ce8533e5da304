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
``peak`` and ``low`` (T - t_off, starting at 0) keep each voxel's highest and lowest temperature.
The boundary layer of the grid is held at its initial temperature (Dirichlet). The arrays hold
T - t_off (t_off = body temperature) so float32 resolves rises of 1e-6 K (37 °C in float32 would
round each step's increment to 4e-6 K).

One pass does everything (stencil, perfusion, source, latent heat, caps, peak/low) and the dose
follows in the same row while it is in cache: each voxel's data is read once per step. The step is
memory-bound, so the numba kernel reads per-voxel float32 tables built once per run
(:func:`face_tables`: conductance / h^2 to the +i, +j, +k neighbour; :func:`voxel_tables`: 1/(rho c)
and perfusion), and none of them in rows that, with their four neighbour rows, are one tissue
(:func:`row_tables`: scalars per row; a row leaves that path when one of its voxels coagulates). The
inner loop has no branch, so LLVM vectorises it in float32. Rises below ``flush_k`` (1e-9 K in the
solver) are set to 0: float32 denormals, which the far front of the explicit scheme would otherwise
produce in the first steps, are 10-100x slower on x86. The pass covers the whole grid: restricting it
to an "active region" (voxels above body temperature) does not pay here, since every SAR shape of
:mod:`planner.thermal.sources` is non-zero over the whole grid (exponential, Gaussian and 1/d^4 tails)
and by the end of the benchmark's protocol 88 % of its 101^3 voxels have risen by more than 1e-6 K.

The numba kernels (serial and threaded, two functions so that numba's disk cache keeps one of each:
its index key is the bytecode and the signature, not the ``parallel`` flag) are used when numba is
installed; :func:`step_numpy` is the same arithmetic in numpy over the whole grid (about 10x slower)
so the model still runs without it.
"""

from __future__ import annotations

import math
import os

import numpy as np

try:  # numba is a declared dependency; the fallback keeps a broken install usable (slowly)
    from numba import njit, prange
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba
    HAVE_NUMBA = False

    def njit(*args, **kwargs):  # noqa: D103 - plain Python stand-in
        return (lambda f: f) if not args or not callable(args[0]) else args[0]

    prange = range

CEM_FLOOR_C = 39.0
CEM_CEIL_C = 100.0  # dose rate taken at 100 °C above it (1.4e17 min per min; no float32 overflow)
_LN2 = math.log(2.0)
_OPTS = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


@njit(inline="always", **_OPTS)
def _plane(z, T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max, t_min,
           shutdown, liq, sol, t_off, peak, low, cold, flush_k):
    """Update the interior of plane ``z``.

    The inner loop over i has no branch (selects only), so LLVM vectorises it; the dose, which needs
    exp(), runs in a second loop over the same row (still in L1) only when the row has a voxel above
    39 °C. ``cold`` (a sink or arterial blood below the start) adds the latent-heat band, freezing
    perfusion stop and the ``low`` record."""
    ny, nx = T.shape[1], T.shape[2]
    c60 = dt / 60.0
    floor_rel = CEM_FLOOR_C - t_off
    # float32 arithmetic in the stencil (8 or 16 lanes; the arrays are float32 anyway)
    f32 = np.float32
    hi, lo, dt32, qs, ta32, fk, zero = f32(t_max - t_off), f32(t_min - t_off), f32(dt), f32(qscale), f32(t_art), \
        f32(flush_k), f32(0.0)
    one, floor32 = f32(1.0), f32(floor_rel)
    t_off32, liq32, sol32 = f32(t_off), f32(liq), f32(sol)
    for y in range(1, ny - 1):
        n_hot = zero
        if cold:
            for x in range(1, nx - 1):
                tc = T[z, y, x]
                flux = (kx[z, y, x] * (T[z, y, x + 1] - tc) + kx[z, y, x - 1] * (T[z, y, x - 1] - tc)
                        + ky[z, y, x] * (T[z, y + 1, x] - tc) + ky[z, y - 1, x] * (T[z, y - 1, x] - tc)
                        + kz[z, y, x] * (T[z + 1, y, x] - tc) + kz[z - 1, y, x] * (T[z - 1, y, x] - tc))
                # unconditional loads, then selects (conditional loads kept the loop scalar)
                w0, r0, r1 = wv[z, y, x], rate[z, y, x], rate_pc[z, y, x]
                ta = tc + t_off32
                liquid = ta > liq32
                w = w0 if liquid else zero
                r = r0 if (liquid or ta <= sol32) else r1
                tn = tc + dt32 * r * (flux + qs * q[z, y, x] + w * (ta32 - tc))
                tn = min(max(tn, lo), hi)
                tn = tn if abs(tn) >= fk else zero
                Tn[z, y, x] = tn
                peak[z, y, x] = max(peak[z, y, x], tn)
                low[z, y, x] = min(low[z, y, x], tn)
                n_hot += one if tn > floor32 else zero  # a sum vectorises; max() did not
        elif row_k[z, y] >= zero:
            # the row and its four neighbour rows are one tissue: its conductance, 1/(rho c) and
            # perfusion are scalars (five arrays fewer to read: the step is memory-bound)
            kr = row_k[z, y]
            rr = dt32 * row_rate[z, y]
            wr = row_w[z, y]  # no voxel of the row coagulated yet (else the row left this path)
            for x in range(1, nx - 1):
                tc = T[z, y, x]
                lap = (T[z, y, x + 1] + T[z, y, x - 1] + T[z, y + 1, x] + T[z, y - 1, x] + T[z + 1, y, x]
                       + T[z - 1, y, x] - f32(6.0) * tc)
                tn = tc + rr * (kr * lap + qs * q[z, y, x] + wr * (ta32 - tc))
                tn = min(max(tn, lo), hi)
                tn = tn if abs(tn) >= fk else zero
                Tn[z, y, x] = tn
                peak[z, y, x] = max(peak[z, y, x], tn)
                n_hot += one if tn > floor32 else zero  # a sum vectorises; max() did not
        else:
            for x in range(1, nx - 1):
                tc = T[z, y, x]
                flux = (kx[z, y, x] * (T[z, y, x + 1] - tc) + kx[z, y, x - 1] * (T[z, y, x - 1] - tc)
                        + ky[z, y, x] * (T[z, y + 1, x] - tc) + ky[z, y - 1, x] * (T[z, y - 1, x] - tc)
                        + kz[z, y, x] * (T[z + 1, y, x] - tc) + kz[z - 1, y, x] * (T[z - 1, y, x] - tc))
                tn = tc + dt32 * rate[z, y, x] * (flux + qs * q[z, y, x] + wv[z, y, x] * (ta32 - tc))
                tn = min(max(tn, lo), hi)
                tn = tn if abs(tn) >= fk else zero
                Tn[z, y, x] = tn
                peak[z, y, x] = max(peak[z, y, x], tn)
                n_hot += one if tn > floor32 else zero  # a sum vectorises; max() did not
        if n_hot > zero:
            for x in range(1, nx - 1):
                ta = min(Tn[z, y, x] + t_off, CEM_CEIL_C)
                if ta > CEM_FLOOR_C:
                    if ta >= 43.0:
                        d = cem[z, y, x] + c60 * math.exp(_LN2 * (ta - 43.0))       # 0.5 ** (43 - T)
                    else:
                        d = cem[z, y, x] + c60 * math.exp(2.0 * _LN2 * (ta - 43.0))  # 0.25 ** (43 - T)
                    cem[z, y, x] = d
                    if d >= shutdown:
                        wv[z, y, x] = 0.0  # coagulated: perfusion stops from the next step,
                        row_k[z, y] = -1.0  # and the row takes the per-voxel path


@njit(**_OPTS)
def _step_serial(T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max,
                 t_min, shutdown, liq, sol, t_off, peak, low, cold, flush_k):
    for z in range(1, T.shape[0] - 1):
        _plane(z, T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max, t_min,
               shutdown, liq, sol, t_off, peak, low, cold, flush_k)


@njit(**_OPTS)
def _plane_call(z, T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max,
                t_min, shutdown, liq, sol, t_off, peak, low, cold, flush_k):
    """:func:`_plane` as a function of its own, so that the threaded loop calls vectorised code (inlined
    into the parallel loop's body, the row loops were not vectorised: 1.5-2x slower)."""
    _plane(z, T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max, t_min,
           shutdown, liq, sol, t_off, peak, low, cold, flush_k)


@njit(parallel=True, **_OPTS)
def _step_threaded(T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max,
                   t_min, shutdown, liq, sol, t_off, peak, low, cold, flush_k):
    for z in prange(1, T.shape[0] - 1):  # each plane writes only its own voxels
        _plane_call(z, T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, qscale, cem, dt, t_art, t_max,
                    t_min, shutdown, liq, sol, t_off, peak, low, cold, flush_k)


def numba_kernel(parallel: bool):
    """The compiled kernel (serial or threaded; compiled on first call, then loaded from numba's disk cache).

    For the threaded one, OpenMP's idle threads are made to sleep instead of spinning unless the user
    chose otherwise (OMP_WAIT_POLICY, read when the OpenMP runtime starts at the first threaded call):
    a spinning thread took the core the other thread needed on a shared 2-core machine (the threaded
    step cost twice the serial CPU time)."""
    if parallel:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return _step_threaded if parallel else _step_serial


def numba_threads() -> int:
    """Threads the threaded kernel would use (0 without numba)."""
    if not HAVE_NUMBA:
        return 0
    import numba
    return int(numba.get_num_threads())


def default_parallel() -> bool:
    """Threads only when asked (SPINE_PLANNER_THERMAL_THREADS > 1): on a shared, loaded 2-core
    machine the threaded kernel is not reliably faster than the serial one (benchmarks/bench_thermal.py)."""
    try:
        return int(os.environ.get("SPINE_PLANNER_THERMAL_THREADS", "1")) > 1
    except ValueError:
        return False


def face_tables(lab: np.ndarray, kf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conductances / h^2 (W/m^3/K, float32) between each voxel and its +i, +j, +k neighbour
    (``kx[k, j, i]`` couples (i, j, k) and (i+1, j, k)); the last layer of each axis is 0."""
    out = []
    kf = np.asarray(kf, dtype=np.float32)
    for axis in (2, 1, 0):
        a = np.zeros(lab.shape, np.float32)
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        a[tuple(lo)] = kf[lab[tuple(lo)], lab[tuple(hi)]]
        out.append(a)
    return out[0], out[1], out[2]


def row_tables(lab: np.ndarray, kf: np.ndarray, invrc: np.ndarray, wcb: np.ndarray):
    """Per (k, j) row: the conductance / h^2, 1/(rho c) and perfusion term of its tissue where the row
    and the rows at k +- 1 and j +- 1 are all of that one tissue; elsewhere -1 (the kernel then reads
    the voxel tables; it also sends a row there once one of its voxels coagulates)."""
    nz, ny, _ = lab.shape
    lo, hi = lab.min(axis=2).astype(np.int16), lab.max(axis=2).astype(np.int16)
    rowlab = np.where(lo == hi, lo, -1)
    ok = np.zeros((nz, ny), bool)
    c = rowlab[1:-1, 1:-1]
    ok[1:-1, 1:-1] = ((c >= 0) & (rowlab[:-2, 1:-1] == c) & (rowlab[2:, 1:-1] == c) & (rowlab[1:-1, :-2] == c)
                      & (rowlab[1:-1, 2:] == c))
    safe = np.where(ok, rowlab, 0)
    row_k = np.where(ok, kf[safe, safe], -1.0).astype(np.float32)
    row_rate = np.where(ok, invrc[safe], -1.0).astype(np.float32)
    row_w = np.where(ok, wcb[safe], 0.0).astype(np.float32)
    return row_k, row_rate, row_w


def voxel_tables(lab: np.ndarray, invrc: np.ndarray, invrc_pc: np.ndarray, wcb: np.ndarray, cold: bool):
    """Per-voxel 1/(rho c), the same in the freezing band (only when ``cold``, else the first array
    again), and the perfusion term w_b c_b (float32; zeroed by the kernel where tissue coagulates)."""
    rate = invrc[lab].astype(np.float32)
    rate_pc = invrc_pc[lab].astype(np.float32) if cold else rate
    return rate, rate_pc, wcb[lab].astype(np.float32)


def step_numpy(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art, t_max, t_min, shutdown,
               liq, sol, t_off, peak, low, flush_k=0.0):
    """Same step as the numba kernel, vectorised over all interior voxels (no active region)."""
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
    if flush_k > 0:
        tn[np.abs(tn) < flush_k] = 0.0
    Tn[c] = tn
    np.maximum(peak[c], tn, out=peak[c])
    np.minimum(low[c], tn, out=low[c])
    tn = np.minimum(tn + t_off, CEM_CEIL_C)
    hot = tn > CEM_FLOOR_C
    r = np.where(tn >= 43.0, 0.5, 0.25)
    dose = np.where(hot, dt / 60.0 * r ** (43.0 - np.where(hot, tn, 43.0)), 0.0)
    cem[c] += dose.astype(cem.dtype)


def step(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art, t_max, t_min, shutdown, liq, sol, t_off,
         peak, low, flush_k: float = 0.0, use_numba: bool | None = None, parallel: bool | None = None,
         cold: bool = True) -> None:
    """One time step from the label tables (builds the per-voxel tables each call: for tests and
    one-off use; :func:`planner.thermal.solver.solve` builds them once). ``use_numba=None`` picks
    numba when available. ``low`` must start at or below 0. ``cold=False`` (no sink, no voxel below
    t_off) skips the freezing band and ``low``."""
    if HAVE_NUMBA and use_numba is not False:
        kx, ky, kz = face_tables(lab, kf)
        rate, rate_pc, wv = voxel_tables(lab, invrc, invrc_pc, wcb, cold)
        row_k, row_rate, row_w = row_tables(lab, kf, invrc, wcb)
        coagulated = cem >= shutdown
        wv[coagulated] = 0.0
        row_k[coagulated.any(axis=2)] = -1.0
        kern = numba_kernel(default_parallel() if parallel is None else bool(parallel))
        kern(T, Tn, kx, ky, kz, rate, rate_pc, wv, row_k, row_rate, row_w, q, float(qscale), cem, float(dt),
             float(t_art), float(t_max), float(t_min), float(shutdown), float(liq), float(sol), float(t_off), peak, low,
             cold, float(flush_k))
    elif use_numba:
        raise RuntimeError("numba is not installed")
    else:
        step_numpy(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, qscale, cem, dt, t_art, t_max, t_min, shutdown, liq, sol,
                   t_off, peak, low, flush_k=float(flush_k))
