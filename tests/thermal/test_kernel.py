"""The numba kernel and its numpy fallback do the same arithmetic; the tissue table is complete.

The numpy step (label tables, whole grid) is written independently of the numba kernel (per-voxel
face tables, one-tissue rows read as scalars, dose in a second pass), so agreement checks both."""

from __future__ import annotations

import numpy as np
import pytest

from planner.thermal import kernel
from planner.thermal.grid import ThermalGrid
from planner.thermal.solver import STABILITY, Phase, _tables, solve, stable_dt_s
from planner.thermal.tissues import default_tissues


@pytest.mark.skipif(not kernel.HAVE_NUMBA, reason="numba not installed")
def test_numba_and_numpy_steps_agree():
    rng = np.random.default_rng(1)
    tissues = default_tissues()
    shape = (12, 13, 14)
    lab = rng.integers(1, len(tissues.ids), size=shape).astype(np.uint8)
    T = rng.uniform(-20.0, 70.0, size=shape).astype(np.float32)  # T - 37: -57 .. 107 °C
    q = rng.uniform(0, 1e6, size=shape).astype(np.float32)
    kf, invrc, invrc_pc, wcb = _tables(tissues, 1e-3)
    out = []
    for use in (True, False):
        Tn = T.copy()
        cem = np.zeros(shape, np.float32)
        peak, low = T.copy(), T.copy()
        kernel.step(T, Tn, lab, kf, invrc, invrc_pc, wcb, q, 1.0, cem, 0.5, 0.0, 100.0, -150.0, 240.0,
                    -1.0, -8.0, 37.0, peak, low, use_numba=use)
        out.append((Tn[1:-1, 1:-1, 1:-1], cem[1:-1, 1:-1, 1:-1], peak, low))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-4)


@pytest.mark.skipif(not kernel.HAVE_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("parallel", [False, True])
def test_a_run_with_tissue_blocks_and_coagulation_agrees_with_numpy(parallel):
    """Blocks of one tissue (the one-tissue row path), interfaces between them (the per-voxel path),
    a source strong enough to coagulate (perfusion shutdown moves rows off the scalar path), over
    many steps; serial and threaded kernels."""
    tissues = default_tissues()
    n = 22
    g = ThermalGrid((0.0, 0.0, 0.0), 1.0, (n, n, n))
    lab = np.full(g.shape_kji, tissues.label("muscle"), np.uint8)
    lab[:, :, 14:] = tissues.label("fat")
    lab[:8] = tissues.label("marrow")
    lab[15:, 5:9, :] = tissues.label("cortical_bone")
    q = np.zeros(g.shape_kji, np.float32)
    q[10:12, 10:12, 10:12] = 1.0 / (8 * g.voxel_volume_m3)
    probes = [(10.5, 10.5, 14.0), (16.0, 10.0, 10.0), (10.0, 10.0, 5.0)]
    runs = [solve(g, lab, tissues, [q], [Phase(60.0, (6.0,)), Phase(30.0, (0.0,))], probes_lps=probes,
                  use_numba=use, parallel=parallel) for use in (True, False)]
    a, b = runs
    assert a.cem43_min.max() > tissues.shutdown_cem43_min  # perfusion did shut down somewhere
    np.testing.assert_allclose(a.probes_c, b.probes_c, rtol=0, atol=2e-3)
    np.testing.assert_allclose(a.peak_c, b.peak_c, rtol=0, atol=2e-3)
    hot = b.cem43_min > 1.0
    np.testing.assert_allclose(a.cem43_min[hot], b.cem43_min[hot], rtol=2e-3)
    np.testing.assert_allclose(a.cem43_min[~hot], b.cem43_min[~hot], atol=2e-3)


def test_row_tables_mark_only_rows_inside_one_tissue():
    lab = np.zeros((5, 6, 7), np.uint8)
    lab[:, :, 3] = 1  # every row crosses an interface
    kf = np.array([[1.0, 0.5], [0.5, 2.0]])
    row_k, _, _ = kernel.row_tables(lab, kf, np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    assert np.all(row_k < 0)
    lab[:] = 0
    lab[:, 3, :] = 1  # rows j = 3 are tissue 1; rows j = 2 and 4 touch them
    row_k, _, _ = kernel.row_tables(lab, kf, np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    assert row_k[2, 1] == 1.0 and row_k[2, 3] < 0 and row_k[2, 2] < 0 and row_k[2, 4] < 0
    assert np.all(row_k[0] < 0) and np.all(row_k[:, 0] < 0)  # boundary rows never use it


def test_every_value_has_a_source_and_estimate_flag():
    t = default_tissues()
    for tid in t.ids:
        for field in ("density_kg_m3", "conductivity_w_m_k", "perfusion_ml_min_kg"):
            assert (tid, field) in t.estimated
    # DOMAIN.md values (IT'IS, second-hand) are carried unchanged
    n = t.label("cortical_bone")
    assert (t.density_kg_m3[n], t.heat_capacity_j_kg_k[n], t.conductivity_w_m_k[n]) == (1908, 1313, 0.32)


def test_time_step_is_the_voxelwise_positivity_bound():
    """One fat voxel inside CSF: its six faces conduct with the harmonic mean 2 k_f k_c / (k_f + k_c),
    more than fat alone, so the bound dt <= rho c / (sum of face conductances / h^2 + w_b c_b) is set by
    the worst of: the fat voxel, a CSF voxel touching it, a CSF voxel inside CSF (hand formula)."""
    t = default_tissues()
    f, c = t.label("fat"), t.label("csf")
    lab = np.full((5, 5, 5), c, np.uint8)
    lab[2, 2, 2] = f
    h = 1e-3
    g = ThermalGrid((0.0, 0.0, 0.0), 1.0, lab.shape)
    k, rc, w = t.conductivity_w_m_k, t.rho_c, t.perfusion_w_m3_k
    kh = 2 * k[f] * k[c] / (k[f] + k[c])
    rates = [(6 * kh / h ** 2 + w[f]) / rc[f], ((5 * k[c] + kh) / h ** 2 + w[c]) / rc[c],
             (6 * k[c] / h ** 2 + w[c]) / rc[c]]
    assert kh > k[f]  # the case this test is about
    assert stable_dt_s(lab, g, t) == pytest.approx(STABILITY / max(rates), rel=1e-9)
