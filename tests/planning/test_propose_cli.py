"""``python -m planner propose``: keys, --write read back by ``analyze``, bad input in words."""

from __future__ import annotations

import json


from planner.cli import main
from planner.headless.demo import demo_plan
from planner.plan.io import read_plan, write_plan
from planner.plan.items import Target


def _target_plan(tmp_path, centre=None, level="L2"):
    doc = demo_plan()
    for item in list(doc.antennas) + list(doc.needles) + list(doc.thermocouples):
        doc.remove(item.id)
    if centre is not None:
        for t in list(doc.targets):
            doc.remove(t.id)
        doc.insert(Target(centre, semi_axes_mm=(5.0, 5.0, 5.0), level=level))
    path = tmp_path / "target.json"
    write_plan(doc, path)
    return path


def test_propose_prints_the_issue_keys_and_writes_a_plan(tmp_path, capsys, sample_series):
    out = tmp_path / "out.json"
    assert main(["propose", str(sample_series), "--level", "L2", "--target", str(_target_plan(tmp_path)),
                 "--json", "--write", str(out), "--option", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ctv"]["sectors"] == [1, 2, 3]
    opt = report["options"][0]
    for key in ("rank", "approach", "needles", "antennas", "ctv_coverage_pct", "target_coverage_pct",
                "min_canal_distance_mm", "max_breach_grade", "why"):
        assert key in opt
    assert set(opt["needles"][0]) >= {"side", "entry_lps", "tip_lps"}
    assert set(opt["antennas"][0]) >= {"device", "extension_mm", "power_w", "time_s", "cycles"}
    plan = read_plan(out)
    assert len(plan.needles) == len(opt["needles"]) and len(plan.antennas) == len(opt["antennas"])
    assert main(["analyze", str(sample_series), "--plan", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["zones"]


def test_propose_without_a_lesion_says_so(capsys, sample_series):
    assert main(["propose", str(sample_series), "--level", "L2", "--json"]) == 2
    assert "No lesion" in capsys.readouterr().err


def test_propose_lesion_outside_any_vertebra(tmp_path, capsys, sample_series):
    path = _target_plan(tmp_path, centre=(60.0, -20.0, -178.0))   # in the soft tissue beside L2
    assert main(["propose", str(sample_series), "--level", "L2", "--target", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "outside" in err and "vertebra" in err


def test_propose_without_a_level_says_so(tmp_path, capsys, sample_series):
    path = _target_plan(tmp_path, centre=(8.5, 32.6, -178.4), level="")
    assert main(["propose", str(sample_series), "--target", str(path), "--json"]) == 2
    assert "No level found" in capsys.readouterr().err
