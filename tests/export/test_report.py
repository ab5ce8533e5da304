"""The report: the same numbers as the app's readouts, SINS, findings, key images, a real PDF, and
de-identification that leaves no patient name or id in the file."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from planner.render.key_images import KeyImageRenderer
from planner.report.content import build_report
from planner.report.pdf import ReportImage, pdf_text, report_pdf_bytes, write_report_pdf
from planner.session.readouts import needle_rows, plan_rows
from tests.export.conftest import identifiers_in


@pytest.fixture(scope="module")
def small_images(sample_session):
    renderer = KeyImageRenderer(sample_session, image_px=200)
    return renderer.needle_images(sample_session.plan.needles[0])


def test_report_rows_are_the_readouts_of_the_app(sample_session):
    report = build_report(sample_session)
    level, = report.levels
    assert level.name == "L2" and len(level.needles) == 2
    first = dict(level.needles[0].rows)
    for label, text in needle_rows(sample_session, sample_session.plan.needles[0]):
        if label != "Zone source":
            assert first[label] == text
    summary = dict(report.summary)
    for label, text in plan_rows(sample_session):
        assert text in summary.values()
    assert first["Level / approach / side"].startswith("L2 / transpedicular / ")
    assert "30 W for 4.0 min" in first["Ablation"]


def test_sins_thermocouples_findings_and_sources(sample_session):
    report = build_report(sample_session)
    sins = dict(report.levels[0].sins_rows())
    assert sins["SINS total"] == "9 / 18: potentially unstable"
    assert dict(report.thermocouples[0].rows)["Temperature"].endswith("screening")  # no bioheat run here
    codes = {f.code for f in sample_session.evaluation.findings}
    assert len(report.findings) == len(sample_session.evaluation.findings) and codes
    assert report.zone_models[0].source.startswith("Approximation") and "Ruiter" in report.zone_models[0].caveats


def test_deidentified_header_names_no_one(sample_session):
    identified = dict(build_report(sample_session).header.rows())
    assert identified["Patient ID"] == "SYNTH-0001" and "PHANTOM" in identified["Patient name"]
    report = build_report(sample_session, deidentify=True)
    text = repr(report)
    assert "SYNTH-0001" not in text and "PHANTOM" not in text and "2000-01-01" not in text
    assert report.generated_utc == ""


def test_key_images_show_the_plan(sample_session, small_images):
    assert len(small_images) == 4
    for image in small_images:
        assert image.rgb.dtype == np.uint8 and image.rgb.shape[2] == 3
        colour = np.abs(image.rgb[..., 0].astype(int) - image.rgb[..., 2].astype(int)) > 60
        assert colour.sum() > 200, image.title  # zone/needle/canal overlays drawn in colour on grey CT


def test_pdf_identified_and_deidentified(sample_session, small_images, tmp_path):
    plain = write_report_pdf(build_report(sample_session), tmp_path / "r.pdf", small_images)
    assert plain.read_bytes().startswith(b"%PDF") and identifiers_in(plain)  # the check below can fail
    anon = write_report_pdf(build_report(sample_session, deidentify=True), tmp_path / "a.pdf", small_images)
    assert identifiers_in(anon) == []
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(plain), "-"], capture_output=True, text=True, check=True).stdout
        assert "SINS total" in text and "L2 left" in text and "Key images" in text


def test_pdf_text_escapes_markup_and_keeps_symbols():
    from planner.report.fonts import ReportFonts, report_fonts

    assert report_fonts().unicode, "DejaVu Sans not found: install fonts-dejavu-core (packaging/install.sh)"
    assert pdf_text("Zone ∩ canal → 3 ≥ 2 <b>") == "Zone ∩ canal → 3 ≥ 2 &lt;b&gt;"
    helvetica = ReportFonts("Helvetica", "Helvetica-Bold", False)
    assert helvetica.text("Zone ∩ canal → 3 ≥ 2 <b>") == "Zone  and  canal -&gt; 3 &gt;= 2 &lt;b&gt;"


def test_report_without_images_still_builds(sample_session):
    data = report_pdf_bytes(build_report(sample_session), [ReportImage("x", "y", np.zeros((10, 20, 3), np.uint8))])
    assert data.startswith(b"%PDF") and len(data) > 2000


def test_each_level_appears_once_when_needles_name_an_undefined_level(sample_volume):
    """The demo plan's two needles name L2 but the plan has no Level item: one L2 section, two needles."""
    from planner.headless.demo import demo_plan
    from planner.session.session import PlanningSession

    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(sample_volume)  # loaded once per session (tests/conftest.py)
    session.open_plan(demo_plan(session.plan.series))
    session.evaluate(corridors=False)
    levels = build_report(session).levels
    assert [lv.name for lv in levels] == ["L2"]
    assert len(levels[0].needles) == 2


# --- the bioheat model in the report (issue 16): chart and table in the thermocouple section ---
THERMAL = {
    "power_off_s": 100.0,
    "thermocouples": [{"name": "epidural", "peak_c": 47.25, "peak_time_s": 110.0, "prealarm_time_s": 60.0,
                       "alarm_time_s": 90.0, "cem43_min": 3.2,
                       "curve": {"time_s": [0, 50, 100, 150, 200], "temperature_c": [37, 41, 46, 47.25, 44]}}],
    "structures": [{"name": "canal", "peak_c": 44.0, "peak_time_s": 120.0, "prealarm_time_s": 80.0,
                    "alarm_time_s": None, "cem43_min": 0.5,
                    "curve": {"time_s": [0, 100, 200], "temperature_c": [37, 43, 44]}}],
    "damage": {"volume_ml": 10.0},
}


def _text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_thermal_section_in_the_thermocouple_section(sample_session):
    content = build_report(sample_session)
    text = _text(report_pdf_bytes(content, thermal=THERMAL))
    i_tc, i_pred, i_all = text.index("Thermocouples"), text.index("Predicted temperatures"), text.index("All findings")
    assert i_tc < i_pred < i_all
    table = text[i_pred:i_all]
    assert "47.2" in table or "47.3" in table     # the thermocouple's peak, one decimal
    assert "never" in table                         # the canal never reaches 45 °C
    assert "10.0 mL" in table.replace("\n", " ")


def test_no_thermal_section_without_a_result(sample_session):
    content = build_report(sample_session)
    assert "Predicted temperatures" not in _text(report_pdf_bytes(content))


def test_report_takes_the_sessions_current_result_and_drops_a_stale_one(sample_session):
    from planner.headless.export import report_pdf

    s = sample_session
    s.store_thermal(s.thermal_key(), THERMAL, (), None)
    try:
        assert "Predicted temperatures" in _text(report_pdf(s, False, with_images=False)[0])
        s.thermal.entry = type(s.thermal.entry)(("another plan",), THERMAL, (), None)  # a result of another plan
        assert "Predicted temperatures" not in _text(report_pdf(s, False, with_images=False)[0])
    finally:
        s.thermal.clear()


def test_thermal_export_without_antenna_says_so():
    import pytest

    from planner.core.errors import PlannerError
    from planner.headless.export import run_session_thermal
    from planner.session.session import PlanningSession
    from tests.ui.helpers import marker_volume

    s = PlanningSession()
    s.set_volume(marker_volume()[0])
    with pytest.raises(PlannerError, match="--thermal: the plan has no antenna"):
        run_session_thermal(s)


def test_the_findings_of_a_mirrored_pair_name_each_antennas_needle(sample_volume):
    """Review of the lumbar walkthrough: after B mirrored the L2 needle with its antenna, page 1 tagged
    both "zone in front of the vertebra" warnings "[Antenna]"; each now names its needle."""
    from dataclasses import replace

    from planner.analysis.thresholds import Finding, Severity
    from planner.headless.demo import demo_plan, sample_landmarks
    from planner.plan import commands
    from planner.plan.commands import CommandStack
    from planner.session.session import PlanningSession

    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(sample_volume)
    doc = demo_plan(session.plan.series)
    left = next(n for n in doc.needles if n.side == "left")
    right = next(n for n in doc.needles if n.side == "right")
    doc.remove(doc.antenna_for(right.id).id)
    doc.remove(right.id)
    canal = sample_landmarks()["vertebrae"]["L2"]["canal_centre_lps"]
    CommandStack(doc).push(commands.bipedicular_pair(doc, left.id, canal, (1.0, 0.0, 0.0)))
    session.open_plan(doc)
    session.evaluate(corridors=False)
    twin = next(n for n in session.plan.needles if n.id != left.id)
    message = "About 2.85 mL of the zone lies in front of the vertebra (toward the aorta / IVC)."
    extra = tuple(Finding(Severity.WARNING, "zone_beyond_vertebra_anterior", message, session.plan.antenna_for(n).id)
                  for n in (left.id, twin.id))
    session.evaluation = replace(session.evaluation, findings=extra + session.evaluation.findings)
    report = build_report(session)
    lines = [text for _severity, text in report.key_findings if message in text]
    assert len(lines) == 2 and lines[0] != lines[1]
    assert lines == [f"[Antenna in {left.name}] {message}", f"[Antenna in {twin.name}] {message}"]
    page1 = _text(report_pdf_bytes(report, [])).split("Plan summary")[0]
    assert f"[Antenna in {left.name}]" in page1 and f"[Antenna in {twin.name}]" in page1
    assert "[Antenna]" not in page1
