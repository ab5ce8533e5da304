"""Lay out a :class:`~planner.report.content.ReportContent` and its key images as a PDF (reportlab).

A4 portrait. Page 1: the case, every critical and warning finding in plain words (with how to read
the zone-canal distance), the plan summary. Then one section per level (needles with entry and tip in
LPS and RAS, angles, depth, device, power, time, cycles and delivered energy; SINS), thermocouples,
all findings, key images two per row with captions, the zone model's sources and caveats, the
disclaimer and a sign-off block (planned by, reviewed by, date). Every page carries the patient and
study identification at the top and a footer saying the zones are predictions.

Fonts: DejaVu Sans (and Droid Sans Fallback for CJK), embedded as subsets (:mod:`planner.report.fonts`),
so names in any script print. The PDF's metadata never names the patient; a de-identified report is
built "invariant" (reportlab fixes the creation date and document id instead of using the clock).
PDF/A: the open-source reportlab cannot produce PDF/A (an output intent and XMP metadata are a
ReportLab PLUS feature), so the report is plain PDF 1.4.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
)

from planner.core import palette
from planner.core.errors import PlannerError
from planner.report.content import DISTANCE_EXPLAINED, ReportContent, Rows
from planner.report.fonts import report_fonts
from planner.report.thermal_plot import thermal_flowables

NO_UNICODE_NOTE = ("The fonts DejaVu Sans were not found (install fonts-dejavu-core): characters outside "
                   "Windows-1252 in this report are replaced by '?'.")
_SEVERITY_RGB = {key.upper(): colors.HexColor(palette.hex_code(rgb)) for key, rgb in palette.SEVERITY.items()}
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN


@dataclass(frozen=True, eq=False)
class ReportImage:
    """A key image for the report: an (h, w, 3) uint8 RGB array with a title and a caption."""

    title: str
    caption: str
    rgb: np.ndarray


def pdf_text(text: str) -> str:
    """Text safe for a reportlab Paragraph in the report's fonts (XML-escaped; see :mod:`planner.report.fonts`)."""
    return report_fonts().text(text)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    fonts = report_fonts()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=fonts.regular, fontSize=8.5, leading=10.5)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=fonts.bold, fontSize=16,
                                leading=20, alignment=0, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=fonts.bold, fontSize=12, leading=15,
                             spaceBefore=8, spaceAfter=3, textColor=colors.HexColor("#1f3a5f")),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontName=fonts.bold, fontSize=10, leading=12,
                             spaceBefore=5, spaceAfter=2),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=9.6),
        "label": ParagraphStyle("label", parent=body, fontName=fonts.bold, fontSize=8, leading=9.6),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9, textColor=colors.HexColor("#444444")),
        "caption": ParagraphStyle("caption", parent=body, fontSize=7.5, leading=9, alignment=1),
    }


def _rows_table(rows: Rows, st, label_w: float = 55 * mm) -> Table:
    data = [[Paragraph(pdf_text(k), st["label"]), Paragraph(pdf_text(v), st["cell"])] for k, v in rows]
    table = Table(data, colWidths=[label_w, CONTENT_W - label_w], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, colors.HexColor("#f2f4f7")]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.4, colors.HexColor("#b0b7c3")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _png_image(rgb: np.ndarray, width: float) -> Image:
    arr = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    buffer = io.BytesIO()
    PILImage.fromarray(arr, "RGB").save(buffer, format="PNG")
    buffer.seek(0)
    h, w = arr.shape[:2]
    return Image(buffer, width=width, height=width * h / w)


def _image_grid(images: list[ReportImage], st) -> list:
    cell_w = (CONTENT_W - 6 * mm) / 2
    cells = []
    for image in images:
        cells.append([Paragraph(pdf_text(image.title), st["label"]), _png_image(image.rgb, cell_w - 4),
                      Paragraph(pdf_text(image.caption), st["caption"])])
    out = []
    for i in range(0, len(cells), 2):
        pair = cells[i:i + 2] + ([""] if len(cells[i:i + 2]) == 1 else [])
        table = Table([pair], colWidths=[cell_w + 3 * mm, cell_w + 3 * mm], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
        out.append(table)
        out.append(Spacer(1, 3 * mm))
    return out


def _draw_runs(canvas, x: float, y: float, text: str, size: float) -> None:
    """One line in the report's fonts straight on the canvas (fallback font for uncovered characters)."""
    for font, run in report_fonts().canvas_runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += canvas.stringWidth(run, font, size)


def _page_decorations(content: ReportContent):
    text = ("Research and training software, not a medical device - predicted zones are model estimates. "
            f"Spine Ablation Planner {content.app_version}")
    marker = "  |  DE-IDENTIFIED" if content.header.deidentified else ""
    identity = content.header.identity_line()

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#1f3a5f"))
        _draw_runs(canvas, MARGIN, PAGE_H - 9 * mm, identity, 7.5)
        canvas.setStrokeColor(colors.HexColor("#b0b7c3"))
        canvas.line(MARGIN, PAGE_H - 10.5 * mm, PAGE_W - MARGIN, PAGE_H - 10.5 * mm)
        canvas.setFillColor(colors.HexColor("#555555"))
        _draw_runs(canvas, MARGIN, 9 * mm, text + marker, 7)
        canvas.setFont(report_fonts().regular, 7)
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()
    return draw


def _finding_paragraphs(findings, st) -> list:
    out = []
    for severity, message in findings:
        colour = _SEVERITY_RGB.get(severity, colors.black).hexval()[2:]
        out.append(Paragraph(f'<font color="#{colour}"><b>{pdf_text(severity)}</b></font> {pdf_text(message)}',
                             st["body"]))
    return out


def _sign_off(content: ReportContent, st) -> Table:
    data = [[Paragraph(pdf_text(label), st["label"]), ""] for label in content.sign_off]
    table = Table(data, colWidths=[40 * mm, CONTENT_W - 40 * mm], rowHeights=[11 * mm] * len(data), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.HexColor("#444444"))]))
    return table


def _story(content: ReportContent, images: list[ReportImage], images_note: str, thermal: dict | None = None) -> list:
    st = _styles()
    story: list = [Paragraph(pdf_text(content.title), st["title"])]
    when = f"Generated {content.generated_utc} - " if content.generated_utc else ""
    frame_note = ("coordinates: DICOM patient LPS, mm (RAS = -x, -y, z)" if content.position_frame == "LPS"
                  else "positions: RAS letters (R/L, A/P, S/I mm), as in 3D Slicer")
    story.append(Paragraph(pdf_text(f"{when}{frame_note}"), st["small"]))
    if not report_fonts().unicode:
        story.append(Paragraph(pdf_text(NO_UNICODE_NOTE), st["small"]))
    story += [Spacer(1, 3 * mm), Paragraph("Case", st["h2"]), _rows_table(content.header.rows(), st),
              Paragraph("Critical and warning findings", st["h2"])]
    story += _finding_paragraphs(content.key_findings, st) or [Paragraph("None.", st["body"])]
    story += [Paragraph(pdf_text(DISTANCE_EXPLAINED), st["small"]),
              Paragraph("Plan summary", st["h2"]), _rows_table(content.summary, st)]
    for level in content.levels:
        story.append(CondPageBreak(60 * mm))
        story.append(Paragraph(pdf_text(f"Level {level.name}"), st["h2"]))
        if not level.needles:
            story.append(Paragraph("No needle planned at this level.", st["body"]))
        for needle in level.needles:
            story.append(KeepTogether([Paragraph(pdf_text(needle.name), st["h3"]), _rows_table(list(needle.rows), st)]))
        if level.sins is not None:
            story.append(KeepTogether([Paragraph("Spinal Instability Neoplastic Score (SINS)", st["h3"]),
                                       _rows_table(level.sins_rows(), st)]))
    if content.thermocouples or thermal:
        story.append(Paragraph("Thermocouples", st["h2"]))
        for tc in content.thermocouples:
            story.append(KeepTogether([Paragraph(pdf_text(tc.name), st["h3"]), _rows_table(list(tc.rows), st)]))
    if thermal:  # the bioheat model's curves and table (planner.thermal.report keys)
        story.append(CondPageBreak(110 * mm))
        story += thermal_flowables(thermal, {"Heading2": st["h3"], "Normal": st["body"]})
    story.append(Paragraph("All findings", st["h2"]))
    if not content.findings:
        story.append(Paragraph("No findings.", st["body"]))
    story += _finding_paragraphs(content.findings, st)
    if images:
        story.append(CondPageBreak(90 * mm))
        story.append(Paragraph("Key images", st["h2"]))
        if images_note:
            story.append(Paragraph(pdf_text(images_note), st["small"]))
            story.append(Spacer(1, 2 * mm))
        story += _image_grid(images, st)
    story.append(CondPageBreak(40 * mm))
    story.append(Paragraph("Zone model: source and caveats", st["h2"]))
    for model in content.zone_models:
        story.append(Paragraph(pdf_text(model.name), st["h3"]))
        story.append(Paragraph(pdf_text(f"Source: {model.source}"), st["body"]))
        if model.caveats:
            story.append(Paragraph(pdf_text(f"Caveats: {model.caveats}"), st["body"]))
    for caveat in content.caveats:
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph(pdf_text(caveat), st["body"]))
    story.append(KeepTogether([Paragraph("Sign-off", st["h2"]), _sign_off(content, st)]))
    return story


def report_pdf_bytes(content: ReportContent, images: list[ReportImage] | None = None, images_note: str = "",
                     thermal: dict | None = None, progress=None) -> bytes:
    """The PDF document as bytes (title metadata is generic: it never names the patient). ``thermal``: a
    bioheat report (:func:`planner.thermal.report.thermal_report`) shown in the thermocouple section.
    ``progress(fraction, text)`` is told each page as it is laid out; a False answer stops the layout
    there (:class:`~planner.core.progress.ExportCancelled`)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=16 * mm, title=content.title, author="Spine Ablation Planner",
                            subject="Ablation plan report", creator="Spine Ablation Planner",
                            invariant=1 if content.header.deidentified else 0)
    footer = _page_decorations(content)
    if progress is not None:
        footer = _with_page_progress(footer, progress)
    doc.build(_story(content, list(images or []), images_note, thermal), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _with_page_progress(decorate, progress):
    """Page decorations that also report the page (the page count is unknown until the end, so the
    fraction approaches 1 as pages go by)."""
    from planner.core.progress import report

    def on_page(canvas, doc):
        decorate(canvas, doc)
        page = canvas.getPageNumber()
        report(progress, page / (page + 2.0), f"PDF: page {page} laid out")
    return on_page


def write_report_pdf(content: ReportContent, path, images: list[ReportImage] | None = None,
                     images_note: str = "", thermal: dict | None = None) -> Path:
    """Write the report to ``path``; PlannerError with the reason when the file cannot be written."""
    path = Path(path)
    data = report_pdf_bytes(content, images, images_note, thermal)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise PlannerError(f"The report could not be written to {path} ({exc.strerror or exc}).") from None
    return path
