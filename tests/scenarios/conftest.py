"""Shared set-up of the scenario and training tests (issue 15: the suite's time).

``case_cache``: a :class:`planner.scenarios.CaseCache` that already holds the bundled sample as the session
loaded and segmented it once (``sample_volume``, ``sample_canal`` in tests/conftest.py: ``load_path`` and
``segment_canal``, what ``CaseCache.get`` computes), so the scenario and training modules do not each load
and segment it again. Other series load as before. The volume's voxels are read-only (a scenario that wrote
into them would fail at once); the canal mask is one writable copy per module, as ``CaseCache`` gives one
mask to all the scenarios of a module.
"""

from __future__ import annotations

import pytest

from planner.scenarios import CaseCache


class _SeededCache(CaseCache):
    def __init__(self, series, volume, canal_mask):
        super().__init__()
        self._seed = (str(series), (volume, canal_mask))

    def get(self, path):
        if str(path) == self._seed[0]:
            return self._seed[1]
        return super().get(path)


@pytest.fixture(scope="module")
def case_cache(sample_series, sample_volume, sample_canal):
    return _SeededCache(sample_series, sample_volume, sample_canal.mask.copy())
