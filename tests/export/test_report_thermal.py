"""The bioheat model in the PDF report: its chart and table sit in the thermocouple section when a
thermal report is given, and nothing of it appears otherwise (read back with pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from planner.report.content import build_report
from planner.report.pdf import report_pdf_bytes

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
