"""``python -m planner export --positions LPS|RAS`` (issue 19): the headless report writes positions as the
window's View ▸ RAS choice does. The expected RAS text is built from the definition alone (RAS = (-x, -y, z):
R for x_lps < 0, A for y_lps < 0, I for z_lps < 0), as in tests/ui/test_view19_report_positions.py."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from planner.core.errors import PlannerError
from planner.headless.export import check_positions
from planner.plan.io import read_plan
from tests.export.test_cli import _run, plan_file  # noqa: F401 - the module's plan fixture


def _ras_letters(p) -> str:
    x, y, z = p
    parts = [("R" if x < 0 else "L", abs(x)), ("A" if y < 0 else "P", abs(y)), ("I" if z < 0 else "S", abs(z))]
    return ", ".join(f"{letter} {value:.1f} mm" for letter, value in parts)


def test_positions_are_checked_in_words():
    assert check_positions("ras", "pdf") == "RAS" and check_positions("LPS", "mesh") == "LPS"
    with pytest.raises(PlannerError, match="--positions must be one of LPS, RAS"):
        check_positions("XYZ", "pdf")
    with pytest.raises(PlannerError, match="applies to the report"):
        check_positions("RAS", "seg")


def test_ras_for_an_export_whose_format_fixes_lps_exits_2_with_a_message(plan_file, sample_series, tmp_path):  # noqa: F811
    result = _run(plan_file, "--series", sample_series, "--to", "mesh", "--out", tmp_path / "m", "--positions", "RAS")
    assert result.returncode == 2 and "applies to the report" in result.stderr
    assert not (tmp_path / "m").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_headless_pdf_reads_in_ras_letters_when_asked(plan_file, sample_series, tmp_path, monkeypatch):  # noqa: F811
    from planner.cli import main
    from planner.render.key_images import KeyImageRenderer

    monkeypatch.setattr(KeyImageRenderer, "all_images", lambda self: [])  # positions are text: no 3D render
    out = tmp_path / "r.pdf"
    assert main(["export", str(plan_file), "--series", str(sample_series), "--to", "pdf", "--out", str(out),
                 "--positions", "ras"]) == 0
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    tip = read_plan(plan_file).needles[0].tip_lps
    assert "RAS: " + _ras_letters(tip) in text
    assert "LPS (" not in text  # no point written the LPS way
    assert "DICOM patient LPS" not in text and "positions: RAS letters" in text  # nor the title block
