"""What the plan report says, as plain rows of text: built from the session with the same readouts
the app shows (:mod:`planner.session.readouts`), so the numbers in the PDF, the panels and the CLI
agree. No layout here (see :mod:`planner.report.pdf`), no patient data in logs.

The case header names the patient unless ``deidentify``: then it carries no name, id, dates or UIDs
(DICOM PS3.15 Annex E basic profile; docs/exports.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from planner import __version__
from planner.core.position_text import FRAMES, LPS, RAS, position_text
from planner.core.volume import SeriesInfo
from planner.plan.labels import finding_text, item_labels
from planner.report.sins import SINS_COMPONENTS, SinsResult, score_sins
from planner.session.readouts import needle_rows, plan_rows, thermocouple_rows

Rows = list[tuple[str, str]]
NO_LEVEL = "(no level)"
DEIDENTIFIED = "de-identified"
PLANNING_DISCLAIMER = ("Research and training software, not a medical device: not cleared or approved for clinical "
                       "use. Predicted zones and temperatures are model estimates, not measurements; verify every "
                       "trajectory on the images and monitor temperatures during the ablation.")
#: How to read the zone-canal distance (the signed distance of :mod:`planner.analysis.overlap`).
DISTANCE_EXPLAINED = ("Zone-canal distance: the shortest distance from the predicted zones' edge to the spinal canal; "
                      "a negative distance means the zone overlaps the canal by that depth.")
SIGN_OFF = ("Planned by", "Reviewed by", "Date")


@dataclass(frozen=True)
class CaseHeader:
    """Who and which images the report is about (or only what remains after de-identification)."""

    patient_name: str
    patient_id: str
    study_date: str
    study_description: str
    series_description: str
    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uid: str
    deidentified: bool
    birth_date: str = ""
    sex: str = ""
    accession_number: str = ""

    def identity_line(self) -> str:
        """The line printed at the top of every page: patient and study identification."""
        if self.deidentified:
            return f"De-identified patient  |  Series: {self.series_description or '—'}"
        return "  |  ".join([
            f"{_person_name(self.patient_name) or '—'}", f"ID {self.patient_id or '—'}",
            f"born {_dicom_date(self.birth_date) or '—'}", f"sex {self.sex or '—'}",
            f"acc. {self.accession_number or '—'}", f"study {_dicom_date(self.study_date) or '—'}",
            f"series {self.series_description or '—'}"])

    def rows(self) -> Rows:
        if self.deidentified:
            return [("Patient", "de-identified (DICOM PS3.15 basic profile)"),
                    ("Series", self.series_description or "—")]
        return [("Patient name", _person_name(self.patient_name) or "—"), ("Patient ID", self.patient_id or "—"),
                ("Birth date", _dicom_date(self.birth_date) or "—"), ("Sex", self.sex or "—"),
                ("Accession number", self.accession_number or "—"),
                ("Study date", _dicom_date(self.study_date) or "—"),
                ("Study", self.study_description or "—"), ("Series", self.series_description or "—"),
                ("Study Instance UID", self.study_instance_uid or "—"),
                ("Series Instance UID", self.series_instance_uid or "—"),
                ("Frame of Reference UID", self.frame_of_reference_uid or "—")]


def _person_name(pn: str) -> str:
    """DICOM PN 'FAMILY^GIVEN' shown as 'FAMILY, GIVEN' (PS3.5 6.2.1); the ideographic and phonetic
    groups after '=' (PS3.5 6.2.1.2) follow in parentheses, so names in any script are printed."""
    groups = [[p for p in g.split("^") if p] for g in (pn or "").split("=")]
    shown = [", ".join(g[:2]) + (" " + " ".join(g[2:]) if len(g) > 2 else "") for g in groups if g]
    if not shown:
        return ""
    return shown[0] + (f" ({'; '.join(shown[1:])})" if len(shown) > 1 else "")


def _dicom_date(da: str) -> str:
    """DA 'YYYYMMDD' (PS3.5 Table 6.2-1) as 'YYYY-MM-DD'."""
    return f"{da[:4]}-{da[4:6]}-{da[6:8]}" if len(da) == 8 and da.isdigit() else da


def case_header(info: SeriesInfo, deidentify: bool = False) -> CaseHeader:
    """The header from the loaded series (birth date, sex and accession number read from one of its
    DICOM files); with ``deidentify`` nothing identifying is kept."""
    from planner.report.identity import patient_identity

    if deidentify:
        description = info.series_description if _harmless(info.series_description, info) else ""
        return CaseHeader("", "", "", "", description, "", "", "", True)
    extra = patient_identity(info)
    return CaseHeader(extra.get("PatientName") or info.patient_name, info.patient_id, info.study_date,
                      info.study_description, info.series_description, info.study_instance_uid,
                      info.series_instance_uid, info.frame_of_reference_uid, False, extra.get("PatientBirthDate", ""),
                      extra.get("PatientSex", ""), extra.get("AccessionNumber", ""))


def _harmless(text: str, info: SeriesInfo) -> bool:
    """A description may be kept when it repeats no part of the patient's name or id."""
    words = [w for w in (info.patient_name or "").replace("^", " ").split() if len(w) > 1]
    words += [info.patient_id] if info.patient_id else []
    upper = (text or "").upper()
    return not any(w.upper() in upper for w in words)


@dataclass(frozen=True)
class NeedleSection:
    name: str
    rows: Rows


@dataclass(frozen=True)
class LevelSection:
    """One treated level: its needles (with antennas, zones) and its SINS when entered."""

    name: str
    needles: tuple[NeedleSection, ...]
    sins: SinsResult | None = None

    def sins_rows(self) -> Rows:
        if self.sins is None:
            return []
        rows = [(c.title, f"{c.label_for(self.sins.scores[c.key])} ({self.sins.scores[c.key]})")
                for c in SINS_COMPONENTS if c.key in self.sins.scores]
        total = "—" if self.sins.total is None else f"{self.sins.total} / 18"
        return rows + [("SINS total", f"{total}: {self.sins.category}")]


@dataclass(frozen=True)
class ZoneModel:
    device_id: str
    name: str
    source: str
    caveats: str


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows, as text."""

    title: str
    generated_utc: str
    app_version: str
    header: CaseHeader
    summary: Rows
    levels: tuple[LevelSection, ...]
    thermocouples: tuple[NeedleSection, ...]
    findings: tuple[tuple[str, str], ...]
    zone_models: tuple[ZoneModel, ...]
    caveats: tuple[str, ...] = field(default=(PLANNING_DISCLAIMER,))
    sign_off: tuple[str, ...] = SIGN_OFF
    position_frame: str = LPS  # the frame the positions read in (the title block says which)

    @property
    def key_findings(self) -> tuple[tuple[str, str], ...]:
        """Critical and warning findings: page 1 carries them all."""
        return tuple(f for f in self.findings if f[0] in ("CRITICAL", "WARNING"))


def lps_ras_text(point_lps) -> str:
    """A point as 'LPS (x, y, z) / RAS (-x, -y, z) mm' (RAS flips x and y; DOMAIN.md, Coordinates)."""
    x, y, z = (float(v) for v in point_lps)
    return f"LPS ({x:.1f}, {y:.1f}, {z:.1f}) / RAS ({-x:.1f}, {-y:.1f}, {z:.1f}) mm"


#: How the report's positions read, per display frame (the window's View > Mouse and positions choice).
POSITIONS_EXPLAINED = {
    LPS: "DICOM patient coordinates (LPS, mm): + toward the patient's left, posterior and head; RAS = (-x, -y, z)",
    RAS: "RAS letters as in 3D Slicer: mm to the patient's right (R) or left (L), anterior (A) or posterior (P), "
         "superior (S) or inferior (I) of the scanner origin",
}


def point_text(point_lps, frame: str = LPS) -> str:
    """A point labelled with its frame: LPS as :func:`lps_ras_text`; RAS as 'RAS: R 23.6 mm, P 10.0 mm,
    I 182.0 mm' (:func:`planner.core.position_text.position_text`)."""
    if frame == LPS:
        return lps_ras_text(point_lps)
    return f"{frame}: {position_text(point_lps, frame)}"


def report_frame(session, position_frame: str | None) -> str:
    """The frame the report's positions read in: ``position_frame``, else the one the session (a window
    export's snapshot) carries as ``position_frame``, else LPS."""
    frame = position_frame if position_frame is not None else getattr(session, "position_frame", LPS)
    if frame not in FRAMES:
        raise ValueError(f"report positions: frame must be one of {', '.join(FRAMES)}, not {frame!r}")
    return frame


def delivered_energy_kj(power_w: float, time_s: float) -> float:
    """Energy delivered at the generator, kJ = W x s / 1000. ``time_s`` is the antenna's total time
    (docs/plan-format.md: the time is split into ``cycles``), so the cycles do not multiply it."""
    return float(power_w) * float(time_s) / 1000.0


def _needle_section(session, needle, frame: str = LPS) -> NeedleSection:
    first = [("Level / approach / side", f"{needle.level or '—'} / {needle.approach} / {needle.side}"),
             ("Needle", f"{needle.gauge} ({needle.outer_diameter_mm:.2f} mm), usable {needle.usable_length_mm:g} mm"),
             ("Entry", point_text(needle.entry_lps, frame)), ("Tip", point_text(needle.tip_lps, frame))]
    # The zone model's source is long and the same for every antenna of a device: it has its own section.
    rows = first + [row for row in needle_rows(session, needle) if row[0] != "Zone source"]
    antenna = session.plan.antenna_for(needle.id)
    if antenna is not None:
        rows.append(("Ablation", f"{antenna.power_w:g} W for {antenna.time_s / 60:.1f} min "
                                 f"in {antenna.cycles} cycle{'s' if antenna.cycles != 1 else ''} "
                                 f"({antenna.time_s / antenna.cycles:.0f} s each), "
                                 f"antenna tip {antenna.extension_mm:g} mm beyond the needle tip"))
        rows.append(("Delivered energy", f"{delivered_energy_kj(antenna.power_w, antenna.time_s):.1f} kJ "
                                         f"({antenna.power_w:g} W x {antenna.time_s:g} s)"))
    return NeedleSection(needle.name, tuple(rows))


def _level_sections(session, frame: str = LPS) -> tuple[LevelSection, ...]:
    plan = session.plan
    # A needle without a level is listed under the vertebra its tip is in (automatic anatomy, issue 13).
    level_of = getattr(session, "needle_level", lambda n: n.level)
    linked = {n.id: level_of(n) for n in plan.needles}
    names = [level.name for level in plan.levels]
    for needle in plan.needles:  # levels named by needles but not defined as level items, once each
        if linked[needle.id] and linked[needle.id] not in names:
            names.append(linked[needle.id])
    if any(not linked[n.id] for n in plan.needles):
        names.append(NO_LEVEL)
    sections = []
    for name in names:
        needles = [n for n in plan.needles if (linked[n.id] or NO_LEVEL) == name]
        level = plan.level_named(name) if name != NO_LEVEL else None
        sins = score_sins(level.sins) if level is not None and level.sins else None
        sections.append(LevelSection(name, tuple(_needle_section(session, n, frame) for n in needles), sins))
    return tuple(sections)


def _findings(session) -> tuple[tuple[str, str], ...]:
    ev = session.evaluation
    if ev is None:
        return ()
    labels = item_labels(session.plan)  # two antennas are both "Antenna": each is named by its needle
    return tuple((f.severity.value.upper(), finding_text(f, labels)) for f in ev.findings)


def _zone_models(session) -> tuple[ZoneModel, ...]:
    seen: dict[str, ZoneModel] = {}
    for antenna in session.plan.antennas:
        if antenna.device_id in seen:
            continue
        try:
            device = session.devices.get(antenna.device_id)
        except Exception:  # noqa: BLE001 - an unknown device is already a finding
            seen[antenna.device_id] = ZoneModel(antenna.device_id, antenna.device_id, "not in the device library", "")
            continue
        seen[antenna.device_id] = ZoneModel(device.id, device.name, device.source, device.caveats)
    return tuple(seen.values())


def build_report(session, deidentify: bool = False, title: str = "Spine ablation plan",
                 position_frame: str | None = None) -> ReportContent:
    """The report of the session's plan and its latest evaluation (evaluate first for corridors);
    positions read in ``position_frame`` ("LPS" or "RAS"; see :func:`report_frame`)."""
    if session.volume is None:
        raise ValueError("build_report needs a session with a loaded volume")
    frame = report_frame(session, position_frame)
    header = case_header(session.volume.info, deidentify)
    summary = [("Levels", ", ".join(lv.name for lv in session.plan.levels) or
                ", ".join(sorted({n.level for n in session.plan.needles if n.level})) or "—"),
               ("Needles / antennas / thermocouples", f"{len(session.plan.needles)} / {len(session.plan.antennas)} / "
                                                     f"{len(session.plan.thermocouples)}")]
    summary += [(f"{label} (all zones)" if "Zone" in label else label, text) for label, text in plan_rows(session)]
    summary.append(("Positions", POSITIONS_EXPLAINED[frame]))
    if session.canal_mask is None:
        summary.append(("Spinal canal", "not segmented: canal overlap and distance not computed"))
    thermos = tuple(NeedleSection(tc.name, (("Tip", point_text(tc.tip_lps, frame)),) + tuple(thermocouple_rows(session, tc)))
                    for tc in session.plan.thermocouples)
    # A de-identified report carries no date at all (PS3.15 basic profile removes dates and times).
    now = "" if deidentify else datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return ReportContent(title, now, __version__, header, summary, _level_sections(session, frame), thermos,
                         _findings(session), _zone_models(session), position_frame=frame)
