"""``python -m planner export PLAN.json --series DIR --to slicer|mesh|pdf|dicom|seg|rtstruct --out PATH [--deidentify]
[--positions LPS|RAS]``

Loads the series the plan was made on, segments the spinal canal, evaluates the plan and writes:
``slicer`` a 3D Slicer markups file (.mrk.json, LPS); ``mesh`` a folder of STL/OBJ/VTP surfaces
(zones, canal, needles, bone); ``pdf`` the plan report with key images; ``dicom`` a folder with the
report as Encapsulated PDF and the key images as Secondary Capture in the CT's study; ``seg`` a DICOM
Segmentation and ``rtstruct`` an RT Structure Set of the canal, the lesion and each predicted zone
(a file, or a folder that gets ``segmentation.dcm`` / ``structures.dcm``); ``slicer-seg`` the same
segments as a 3D Slicer segmentation (``.seg.nrrd``). ``--positions`` is the window's View ▸
"Positions with RAS letters" choice for the report (pdf, dicom): ``LPS`` (default) writes each point as DICOM LPS with its
RAS beside it, ``RAS`` as 3D Slicer's letters ("R 23.6 mm, P 10.0 mm, I 182.0 mm",
:func:`planner.report.content.point_text`); the other exports have their frame fixed by their format
(LPS), so asking them for RAS is refused in words. Exit 0 on success, 2 with a message on stderr
otherwise. Nothing identifying is printed.
"""

from __future__ import annotations

from pathlib import Path

from planner.core.errors import PlanError, PlannerError
from planner.core.position_text import FRAMES, LPS
from planner.headless import error_exit
from planner.plan.io import read_plan

TARGETS = ("slicer", "slicer-seg", "mesh", "pdf", "dicom", "seg", "rtstruct")
REPORT_TARGETS = ("pdf", "dicom")  # the exports whose positions are written as text (the report)


def load_session(plan_path, series_dir, allow_mismatch: bool = False, canal: bool = True):
    """A session with the series loaded, the canal segmented and the plan evaluated (corridors included)."""
    from planner.headless.case import open_case

    plan = read_plan(plan_path)
    session, _ = open_case(series_dir, canal=canal)
    session.open_plan(plan, allow_mismatch=allow_mismatch)
    session.evaluate(corridors=True)
    return session


def markups_description(session, deidentify: bool) -> str:
    """What the markups say about their origin: the series UIDs, or nothing identifying."""
    if deidentify or session is None or session.volume is None:
        return "Spine ablation plan (coordinates LPS mm)"
    info = session.volume.info
    return (f"Spine ablation plan on series {info.series_instance_uid or '(no UID)'}, frame of reference "
            f"{info.frame_of_reference_uid or '(no UID)'} (coordinates LPS mm)")


def report_pdf(session, deidentify: bool, with_images: bool = True, thermal: dict | None = None,
               position_frame: str | None = None) -> tuple[bytes, list]:
    """The report PDF bytes and the key images it contains (``thermal``: a bioheat report to include;
    default: the session's current one, if any; ``position_frame``: "LPS" or "RAS", default the
    session's, see :func:`planner.report.content.report_frame`)."""
    from planner.render.key_images import LEGEND, KeyImageRenderer
    from planner.report.content import build_report
    from planner.report.pdf import report_pdf_bytes

    images = KeyImageRenderer(session).all_images() if with_images else []
    content = build_report(session, deidentify=deidentify, position_frame=position_frame)
    if thermal is None:
        entry = session.thermal.current(session)
        thermal = entry.report if entry is not None else None
    return report_pdf_bytes(content, images, LEGEND, thermal), images


def run_session_thermal(session) -> dict:
    """Run the bioheat model on the session's plan (as the window's Temperatures dock does), hand its
    findings to the session and re-evaluate; returns the thermal report (PlannerError without antenna)."""
    from planner.thermal.findings import thermal_findings
    from planner.thermal.report import thermal_report
    from planner.thermal.simulate import simulate_plan

    if not session.plan.antennas:
        raise PlannerError("--thermal: the plan has no antenna, so there is no heating to model.")
    key = session.thermal_key()
    result = simulate_plan(session.volume, session.plan, session.devices, session.canal_mask, session.lesion_mask())
    report = thermal_report(result, session.plan, session.thresholds)
    session.store_thermal(key, report, thermal_findings(report, session.thresholds), result)
    session.evaluate(corridors=True)
    return report


def segment_export(session, to: str, out, deidentify: bool = False, extra_masks: dict | None = None) -> list[Path]:
    """Write the plan's segments as a DICOM SEG (``to == "seg"``) or RT Structure Set (``"rtstruct"``).
    ``extra_masks`` (name -> mask or (mask, kind)) adds masks from other providers (CTV, foramina,
    bioheat damage; see :mod:`planner.export.segments`)."""
    from planner.export.ct_source import ct_source
    from planner.export.segments import plan_segments

    if extra_masks is None:  # the session's own providers (the neural foramina, issue 13)
        extra_masks = getattr(session, "export_masks", None)
    segments = plan_segments(session, extra_masks)
    if to == "slicer-seg":
        from planner.export.slicer_seg import write_slicer_segmentation

        return [write_slicer_segmentation(out, session.volume, segments)]
    source = ct_source(session.volume)
    plan_id = session.plan.created
    if to == "seg":
        from planner.export.seg import write_seg

        return [write_seg(out, source, segments, plan_id, deidentify)]
    from planner.export.rtstruct import write_rtstruct

    return [write_rtstruct(out, session.volume, source, segments, plan_id, deidentify)]


def run_export(plan_path, series_dir, to: str, out, deidentify: bool = False, mesh_format: str = "stl",
               allow_mismatch: bool = False, extra_masks: dict | None = None, thermal: bool = False,
               positions: str = LPS) -> list[Path]:
    """Run one export; returns the files written. PlannerError (or OSError) on failure. ``thermal``: run
    the bioheat model first and put its curves and findings in the report (pdf, dicom); ``positions``:
    the frame the report's points read in (see the module docstring)."""
    out = Path(out)
    if to not in TARGETS:
        raise PlannerError(f"Unknown export {to!r}: choose one of {', '.join(TARGETS)}.")
    positions = check_positions(positions, to)
    if to == "slicer" and series_dir is None:
        from planner.export.markups import write_markups

        return [write_markups(read_plan(plan_path), out, markups_description(None, deidentify))]
    if series_dir is None:
        raise PlannerError(f"The {to} export needs the plan's series: give --series DIR.")
    session = load_session(plan_path, series_dir, allow_mismatch, canal=to != "slicer")
    if to == "slicer":
        from planner.export.markups import write_markups

        return [write_markups(session.plan, out, markups_description(session, deidentify))]
    if to == "mesh":
        from planner.render.mesh_export import export_meshes

        return export_meshes(session, out, mesh_format)
    if to in ("seg", "rtstruct", "slicer-seg"):
        return segment_export(session, to, out, deidentify, extra_masks)
    if thermal:
        run_session_thermal(session)
    pdf, images = report_pdf(session, deidentify, position_frame=positions)
    if to == "pdf":
        from planner.export.atomic import staged_write

        try:
            staged_write(out, lambda temp: temp.write_bytes(pdf))  # never a half-written report
        except OSError as exc:
            raise PlannerError(f"The report could not be written to {out} ({exc.strerror or exc}).") from None
        return [out]
    from planner.export.dicom import source_header, write_dicom_exports

    return write_dicom_exports(out, source_header(session.volume.info), pdf, images, deidentify,
                               ct_references(session), session.plan.created)


def check_positions(positions, to: str) -> str:
    """``positions`` as "LPS" or "RAS" (any case); PlannerError in words for another value, or for RAS
    with an export whose frame its format fixes."""
    frame = str(positions).strip().upper()
    if frame not in FRAMES:
        raise PlannerError(f"--positions must be one of {', '.join(FRAMES)}, not {positions!r}.")
    if frame != LPS and to not in REPORT_TARGETS:
        raise PlannerError(f"--positions {frame} applies to the report ({', '.join(REPORT_TARGETS)}); the {to} "
                           "export always writes DICOM LPS millimetres, as its format defines.")
    return frame


def ct_references(session):
    """The CT images the DICOM exports refer to, or None when the series files are not at hand (a
    NIfTI volume, a moved folder): the exports then carry no references."""
    from planner.export.ct_source import ct_source

    try:
        return ct_source(session.volume)
    except PlannerError:
        return None


def main(args) -> int:
    try:
        written = run_export(args.plan, args.series, args.to, args.out, args.deidentify, args.format,
                             args.allow_mismatch, thermal=getattr(args, "thermal", False),
                             positions=getattr(args, "positions", LPS))
    except PlanError as exc:
        return error_exit(exc, " (use --allow-mismatch to export anyway)" if "different" in str(exc) else "")
    except (PlannerError, OSError) as exc:
        return error_exit(exc)
    for path in written:
        print(path)
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("export", help="export a plan headless (3D Slicer markups, meshes, PDF, DICOM, SEG, RTSTRUCT)",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("plan", help="the plan file (.json)")
    p.add_argument("--series", help="the DICOM folder (or NIfTI/NRRD volume) the plan was made on "
                                    "(optional for --to slicer)")
    p.add_argument("--to", required=True, choices=TARGETS, help="what to write")
    p.add_argument("--out", required=True, help="output file (slicer, pdf; seg, rtstruct: a file or a folder) "
                                                "or folder (mesh, dicom)")
    p.add_argument("--deidentify", action="store_true",
                   help="remove patient names, ids, dates and UIDs (DICOM PS3.15 basic profile) from the export")
    p.add_argument("--format", default="stl", choices=("stl", "obj", "vtp"), help="mesh file format (--to mesh)")
    p.add_argument("--allow-mismatch", action="store_true",
                   help="export even when the plan was made on another patient or frame of reference")
    p.add_argument("--thermal", action="store_true",
                   help="pdf, dicom: run the bioheat model (tens of seconds) and add its temperature curves and "
                        "findings to the report's thermocouple section")
    p.add_argument("--positions", default=LPS, type=str.upper, choices=FRAMES,
                   help="pdf, dicom: how the report writes positions, as the window's View menu choice: LPS "
                        "(DICOM patient mm, with RAS beside) or RAS (3D Slicer's letters: R 23.6 mm, P 10.0 mm, ...)")
    p.set_defaults(func=main)
