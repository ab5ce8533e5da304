"""``python -m planner propose``: keys, --write read back by ``analyze``, bad input in words."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from planner.cli import main
from planner.core.errors import PlannerError
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


@pytest.fixture(scope="module")
def proposed(tmp_path_factory, sample_series):
    """One ``propose --json --write --option 1`` run on the sample L2: (exit code, JSON, written plan path)."""
    tmp = tmp_path_factory.mktemp("propose")
    out = tmp / "out.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["propose", str(sample_series), "--level", "L2", "--target", str(_target_plan(tmp)),
                     "--json", "--write", str(out), "--option", "1"])
    return code, json.loads(printed.getvalue()), out


def test_propose_prints_the_issue_keys_and_writes_a_plan(proposed, capsys, sample_series):
    code, report, out = proposed
    assert code == 0
    assert report["ctv"]["sectors"] == [1, 2, 3]
    assert [o["rank"] for o in report["options"]] == list(range(1, len(report["options"]) + 1))
    opt = report["options"][0]
    for key in ("rank", "approach", "needles", "antennas", "ctv_coverage_pct", "target_coverage_pct",
                "min_canal_distance_mm", "max_breach_grade", "why"):
        assert key in opt
    assert set(opt["needles"][0]) >= {"side", "entry_lps", "tip_lps"}
    assert set(opt["antennas"][0]) >= {"device", "extension_mm", "power_w", "time_s", "cycles"}
    for o in report["options"]:
        assert o["approach"] in ("unipedicular left", "unipedicular right", "bipedicular")
        assert len(o["needles"]) == len(o["antennas"]) == (2 if o["approach"] == "bipedicular" else 1)
        assert 0.0 <= o["ctv_coverage_pct"] <= 100.0 and 0.0 <= o["target_coverage_pct"] <= 100.0
        assert o["min_canal_distance_mm"] >= 2.0  # the default margin kept off the canal
        assert o["why"].strip()
        for n in o["needles"]:
            assert len(n["entry_lps"]) == 3 and len(n["tip_lps"]) == 3
    plan = read_plan(out)
    assert len(plan.needles) == len(opt["needles"]) and len(plan.antennas) == len(opt["antennas"])
    # the plan written is option 1's needles, where the JSON says (3 decimals printed)
    written = sorted((tuple(n.entry_lps), tuple(n.tip_lps)) for n in plan.needles)
    printed = sorted((tuple(n["entry_lps"]), tuple(n["tip_lps"])) for n in opt["needles"])
    for (e, t), (pe, pt) in zip(written, printed):
        assert np.allclose(e, pe, atol=1e-3) and np.allclose(t, pt, atol=1e-3)
    assert main(["analyze", str(sample_series), "--plan", str(out), "--json"]) == 0
    analysed = json.loads(capsys.readouterr().out)
    assert len(analysed["zones"]) == len(opt["antennas"])
    assert len(analysed["needles"]) == len(opt["needles"])
    assert not any(n["enters_canal"] for n in analysed["needles"])


def _documented_keys() -> set[str]:
    """The backticked names of docs/propose.md's "JSON keys:" paragraph."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "propose.md").read_text()
    para = text[text.index("JSON keys:"):text.index("`--write` merges")]
    return set(re.findall(r"`([a-z_]+)(?:\[\])?`", para))


def _printed_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_printed_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_printed_keys(v) for v in value)) if value else set()
    return set()


def test_every_printed_key_is_documented_and_every_documented_key_printed(proposed):
    _, report, _ = proposed
    documented, printed = _documented_keys(), _printed_keys(report)
    assert printed - documented == set(), "keys printed but not in docs/propose.md"
    missing = documented - printed
    if all(o["thermocouple"] is None for o in report["options"]):
        missing -= {"predicted_peak_c"}  # only inside a thermocouple
    assert missing == set(), "keys in docs/propose.md that propose --json does not print"
    assert any(o["thermocouple"] for o in report["options"])  # the sample's options place one


def test_option_out_of_range_says_how_many_options_there_are(tmp_path):
    from planner.headless.propose import write_option

    proposal = SimpleNamespace(options=(SimpleNamespace(rank=1), SimpleNamespace(rank=2), SimpleNamespace(rank=3)))
    with pytest.raises(PlannerError, match=r"--option 4: there are 3 options \(1-3\)"):
        write_option(None, None, proposal, tmp_path / "out.json", 4)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("extra, words", [(["--write", "OUT", "--option", "0"], "ranked from 1"),
                                          (["--option", "2"], "give --write")])
def test_option_without_write_or_below_one_is_refused_before_any_work(tmp_path, capsys, extra, words):
    extra = [str(tmp_path / "out.json") if x == "OUT" else x for x in extra]
    # a series folder that does not exist: the check comes first, so its message is the option's
    assert main(["propose", str(tmp_path / "no-such-series"), "--level", "L2", "--json"] + extra) == 2
    err = capsys.readouterr().err
    assert words in err and "--option" in err
    assert not (tmp_path / "out.json").exists()


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
