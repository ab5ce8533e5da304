"""The numba kernel and its numpy fallback do the same arithmetic; the tissue table is complete."""

from __future__ import annotations

import numpy as np
import pytest

from planner.thermal import kernel
from planner.thermal.solver import _tables
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


def test_every_value_has_a_source_and_estimate_flag():
    t = default_tissues()
    for tid in t.ids:
        for field in ("density_kg_m3", "conductivity_w_m_k", "perfusion_ml_min_kg"):
            assert (tid, field) in t.estimated
    # DOMAIN.md values (IT'IS, second-hand) are carried unchanged
    n = t.label("cortical_bone")
    assert (t.density_kg_m3[n], t.heat_capacity_j_kg_k[n], t.conductivity_w_m_k[n]) == (1908, 1313, 0.32)
