"""``analyze`` of a series whose anatomy is in the on-disk cache (issue 13: end to end within twice the
time SimpleITK takes to read the series): it reads everything back and imports none of the libraries
only a computation needs (scipy, numba), nor pydicom (the lumbar scan is uncompressed), nor jsonschema
(no antenna: the device library is not read). The figures are those of the anatomy put in the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planner.anatomy import cache_parts
from planner.anatomy.cache import AnatomyCache

ROOT = Path(__file__).resolve().parents[2]
NOT_NEEDED = ("scipy", "numba", "llvmlite", "pydicom", "jsonschema", "SimpleITK")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory, lumbar_volume, lumbar_canal, lumbar_body, lumbar_spine):
    """A cache folder holding the lumbar scan's canal, body, vertebrae, foramina and sectors, written from the
    session's shared results (computing them again would cost seconds)."""
    folder = tmp_path_factory.mktemp("anatomy-cache")
    cache = AnatomyCache(folder, enabled=True)
    patch = pytest.MonkeyPatch()
    try:
        patch.setattr(cache_parts, "segment_canal", lambda volume, cancel=None: lumbar_canal)
        patch.setattr(cache_parts, "segment_body", lambda volume, cancel=None: lumbar_body)
        patch.setattr(cache_parts, "find_spine", lambda volume, body, cancel=None: lumbar_spine)
        cache_parts.canal_cached(lumbar_volume, cache)
        cache_parts.spine_cached(lumbar_volume, cache_parts.body_cached(lumbar_volume, cache), cache)
    finally:
        patch.undo()
    cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache)
    cache_parts.sectors_cached(lumbar_volume, lumbar_spine.vertebrae, lumbar_canal.mask, cache)
    assert cache.messages == [] and len(list(folder.glob("*.npz"))) == 5
    return folder


def test_a_warm_analyze_reads_the_cache_and_imports_no_computing_library(warm_cache, lumbar_ct_dir, lumbar_volume,
                                                                         lumbar_canal, lumbar_spine):
    code = ("import contextlib, io, json, sys\n"
            "from planner.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    rc = main(['analyze', {str(lumbar_ct_dir)!r}, '--json'])\n"
            f"print(json.dumps({{'rc': rc, 'report': json.loads(out.getvalue()), "
            f"'imported': [m for m in {NOT_NEEDED!r} if m in sys.modules]}}))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPINE_PLANNER_CACHE_DIR=str(warm_cache))
    env.pop("SPINE_PLANNER_NO_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr == "", proc.stderr  # no cache file ignored, nothing recomputed
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0
    assert result["imported"] == []
    report = result["report"]
    voxel_ml = float(np.prod(lumbar_volume.spacing_mm)) / 1000.0
    assert report["canal"]["volume_ml"] == round(float(lumbar_canal.mask.sum() * voxel_ml), 4)
    assert [lv["name"] for lv in report["levels"]] == [v.name or None for v in lumbar_spine.vertebrae]
    assert len(report["foramina"]) >= 4
    assert all(lv["sectors_present"] == [1, 2, 3, 4, 5, 6] for lv in report["levels"])  # whole vertebrae, read back
    assert len(list(warm_cache.glob("*.npz"))) == 5  # nothing new written


def test_corridors_side_by_side_give_the_reports_of_one_after_the_other(warm_cache, lumbar_volume):
    """analyze checks a plan's needles on parallel threads (``_corridors_side_by_side``); the report is
    the one a session computing them one after the other gives."""
    from planner.headless.analyze import _corridors_side_by_side, analysis_report
    from planner.session.session import PlanningSession
    from tests.export.realplans import TCIA_L2_BODY_IJK, bipedicular_plan

    from planner.plan.io import plan_from_json, plan_to_json

    reports, plan = [], None
    for side_by_side in (False, True):
        session = PlanningSession()
        session.auto_evaluate = False
        session.set_volume(lumbar_volume)
        session.anatomy.cache = AnatomyCache(warm_cache, enabled=True)
        session.set_canal(session.anatomy.canal().mask)
        if plan is None:  # one plan (its items' ids) for both sessions
            plan = plan_to_json(bipedicular_plan(session.plan.series,
                                                 lumbar_volume.to_lps(np.asarray(TCIA_L2_BODY_IJK, float)), ""))
        session.open_plan(plan_from_json(plan))
        if side_by_side:
            _corridors_side_by_side(session)
            assert session.missing_corridors() == []  # both stored before the evaluation
        session.evaluate(corridors=True)
        reports.append(json.dumps(analysis_report(session), sort_keys=True))
    assert reports[0] == reports[1]
    assert len(json.loads(reports[0])["needles"]) == 2
