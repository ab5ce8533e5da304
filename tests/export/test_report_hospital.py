"""The report as a document a radiologist would file: identification on every page, the critical and
warning findings on page 1 in plain words, per-needle coordinates in LPS and RAS and the delivered
energy, a sign-off block and the disclaimer; names in any script printed (read back with pypdf)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from planner.report.content import build_report, delivered_energy_kj, lps_ras_text
from planner.report.pdf import report_pdf_bytes

UNICODE_NAME = "Müller-Łukasiewicz^Zoë=Иванова^Анна=山田^花子"


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def report(sample_session):
    content = build_report(sample_session)
    header = dataclasses.replace(content.header, patient_name=UNICODE_NAME, patient_id="ÅÄÖ-42",
                                 birth_date="19610203", sex="F", accession_number="ACC-7")
    content = dataclasses.replace(content, header=header)
    return content, _pages(report_pdf_bytes(content))


def test_unicode_name_reads_back_from_the_pdf(report):
    first = report[1][0]
    for part in ("Müller-Łukasiewicz, Zoë", "Иванова, Анна", "山田", "花子", "ÅÄÖ-42"):
        assert part in first, part
    assert "?" not in first.split("\n")[0]


def test_identification_on_every_page(report):
    pages = report[1]
    assert len(pages) >= 2
    for text in pages:
        for part in ("Müller-Łukasiewicz", "ID ÅÄÖ-42", "born 1961-02-03", "sex F", "acc. ACC-7", "study "):
            assert part in text, (part, text[:200])


def test_page_one_has_the_critical_and_warning_findings_in_words(report, sample_session):
    content, pages = report
    serious = [f for f in sample_session.evaluation.findings if f.severity.value in ("critical", "warning")]
    assert serious and len(content.key_findings) == len(serious)
    flat = " ".join(pages[0].split())
    for finding in serious:
        assert " ".join(finding.message.split())[:40] in flat, finding.message
    assert "a negative distance means the zone overlaps the canal" in flat


def test_sign_off_and_disclaimer(report):
    text = " ".join(" ".join(report[1]).split())
    for label in ("Planned by", "Reviewed by", "Date"):
        assert label in text
    assert "not a medical device" in text and "Research and training software" in text


def test_needle_rows_carry_ras_and_energy(report, sample_session):
    content, _ = report
    rows = dict(content.levels[0].needles[0].rows)
    needle = sample_session.plan.needles[0]
    x, y, z = needle.tip_lps
    assert rows["Tip"] == lps_ras_text(needle.tip_lps)
    assert f"RAS ({-x:.1f}, {-y:.1f}, {z:.1f})" in rows["Tip"]
    antenna = sample_session.plan.antenna_for(needle.id)
    assert antenna.power_w == 30.0 and antenna.time_s == 240.0  # the demo plan: 30 W for 4 min
    assert rows["Delivered energy"].startswith("7.2 kJ")  # 30 W x 240 s = 7200 J
    assert delivered_energy_kj(40.0, 300.0) == pytest.approx(12.0)


def test_thermocouple_position_in_lps_and_ras(report, sample_session):
    content, _ = report
    rows = dict(content.thermocouples[0].rows)
    assert rows["Tip"] == lps_ras_text(sample_session.plan.thermocouples[0].tip_lps)


def test_deidentified_pdf_has_no_clock_date_and_no_name(sample_session):
    from datetime import datetime

    data = report_pdf_bytes(build_report(sample_session, deidentify=True))
    info = PdfReader(io.BytesIO(data)).metadata
    assert not str(info.get("/CreationDate", "")).startswith("D:" + datetime.now().strftime("%Y%m%d"))
    assert "PHANTOM" not in " ".join(str(v) for v in info.values())
    assert "De-identified patient" in _pages(data)[0]
