"""Every export of the window as a list of steps, so it can run in a worker with progress and Cancel
(issue 19: a PDF export took about 24 s on the GUI thread). No Qt here.

An :class:`ExportJob` reads a :class:`~planner.session.snapshot.SessionSnapshot` (taken on the GUI
thread before the job starts), runs its :class:`Step` s in order and writes every file through one
:class:`~planner.export.atomic.Staging`: nothing appears at the target until the last step renames
the files into place, so a cancel or a failure at any step leaves the old files as they were.

Each step says whether it must run on the GUI thread (``on_gui``); none of the exports' steps does now.
The 3D key image is rendered in the worker too, in an offscreen EGL window of its own (its own OpenGL
context, never the window's; VTK's ``Render`` releases the GIL, so the GUI thread runs meanwhile:
``tests/ui/test_export_render_thread.py``), tile by tile so Cancel takes effect between two tiles. A
step may be a generator: it then runs in pieces (one per ``next``; an ``on_gui`` one with the window's
event loop running between two pieces). Each step gets a ``progress(fraction, text)``
callback for its own part (0..1) and checks it between its pieces (a needle's key images, a PDF page,
a DICOM file, a mesh); a False answer raises :class:`~planner.core.progress.ExportCancelled`.

:func:`run_job` runs a job in the calling thread (headless use and tests); the window uses
:class:`planner.ui.export_worker.ExportRunner`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from planner.core.errors import PlannerError
from planner.export.atomic import Staging, staged_write
from planner.core.progress import Progress, report, scaled


@dataclass
class Step:
    """One piece of an export: ``run(progress)``; ``weight`` its share of the progress bar (about its
    seconds on the lumbar scan); ``on_gui``: must run on the GUI thread (VTK rendering). ``run`` may
    return an iterator: the step is done when it is exhausted (one piece per ``next``)."""

    text: str
    run: Callable[[Progress | None], None]
    weight: float = 1.0
    on_gui: bool = False


@dataclass
class ExportJob:
    """A named export: its steps, the staging its files go through, and what the steps hand on."""

    title: str
    steps: list[Step] = field(default_factory=list)
    staging: Staging = field(default_factory=Staging)
    state: dict = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        """True once the files are in place (a cancel arriving later changes nothing)."""
        return bool(self.written)

    def span(self, index: int) -> tuple[float, float]:
        """The part of the whole progress (start, end) that step ``index`` covers."""
        total = sum(s.weight for s in self.steps) or 1.0
        start = sum(s.weight for s in self.steps[:index]) / total
        return start, start + self.steps[index].weight / total

    def run_step(self, index: int, progress: Progress | None = None):
        """Run step ``index`` with ``progress`` for the whole job (scaled to the step's span); what the
        step returns (an iterator for a step in pieces: the caller exhausts it)."""
        start, end = self.span(index)
        step = self.steps[index]
        report(progress, start, step.text)
        return step.run(scaled(progress, start, end))

    def commit_step(self) -> Step:
        """The final step: rename the staged files into place."""
        def commit(progress):
            report(progress, 0.0, "Putting the files in place")
            self.written = self.staging.commit()
            if progress is not None:
                progress(1.0, f"{self.title}: done")
        return Step("Putting the files in place", commit, 0.1)


def run_job(job: ExportJob, progress: Progress | None = None) -> list[Path]:
    """Run every step here (GUI steps too); the files written. On a cancel or an error the staged
    files are discarded and the exception goes on (ExportCancelled, PlannerError)."""
    try:
        for index in range(len(job.steps)):
            pieces = job.run_step(index, progress)
            if isinstance(pieces, Iterator):
                for _ in pieces:
                    pass
    except OSError as exc:
        job.staging.discard()
        raise PlannerError(f"{job.title} failed: {exc.strerror or exc}.") from None
    except BaseException:
        job.staging.discard()
        raise
    return job.written


# --- the PDF report and its key images ---------------------------------------------------------------
#: Tiles of the 3D key image rendered in the worker: 4 x 3 tiles of 960 x 720. On the shared lumbar
#: scan (loaded 2-core machine) 120 px tiles took 15 s together, 240 px 9 s (the longest 1.6 s: the
#: wait for Cancel), one render 10 s: each tile draws the bone pieces in its view with depth peeling.
KEY_IMAGE_3D_TILE_PX = 240


def _key_image_steps(job: ExportJob, snapshot, bone_poly=None) -> list[Step]:
    """2D key images, the bone and canal surfaces, the 3D key image (all in the worker, see the module docstring).
    ``bone_poly``: a bone surface at 200 HU already built (the window's 3D view), reused as it is."""
    def slices(progress):
        from planner.render.key_images import KeyImageRenderer

        renderer, images = KeyImageRenderer(snapshot), []
        needles = snapshot.plan.needles
        for number, needle in enumerate(needles):
            images += renderer.needle_images(needle, scaled(progress, number / len(needles), (number + 1) / len(needles)))
        job.state["images"] = images

    def surfaces(progress):
        from planner.render.mask_surfaces import mask_surface_polydata
        from planner.render.surfaces import patient_bone_surface

        from planner.render.chunks import split_surface

        report(progress, 0.0, "Bone surface for the 3D key image")
        bone = bone_poly if bone_poly is not None else patient_bone_surface(snapshot)  # no table (issue 19)
        report(progress, 0.6, "Cutting the bone surface into pieces for the 3D key image")
        # in pieces, each tile of the GUI-thread render draws only the pieces in its view; a reused
        # surface of the window's view is only read here (copied into the pieces), never changed
        job.state["bone_poly"] = split_surface(bone)
        report(progress, 0.7, "Canal surface for the 3D key image")
        canal = snapshot.canal_mask
        job.state["canal_poly"] = mask_surface_polydata(canal, snapshot.grid) if canal is not None and canal.any() else None

    def view_3d(progress):
        """A generator: the scene, then one tile per piece (Cancel is checked between two)."""
        from planner.render.key_images import render_3d_view_steps
        from planner.report.pdf import ReportImage

        pieces = render_3d_view_steps(snapshot, bone_surface_poly=job.state["bone_poly"],
                                      canal_poly=job.state["canal_poly"], tile_px=KEY_IMAGE_3D_TILE_PX)
        try:
            while True:
                try:
                    fraction = next(pieces)
                except StopIteration as finished:
                    rgb = finished.value
                    break
                report(progress, fraction, "Rendering the 3D key image")  # Cancel: ExportCancelled here
                yield fraction
        finally:
            pieces.close()  # a cancel or an error releases the offscreen window
        job.state["images"].append(ReportImage(
            "3D view (posterior oblique)", "Bone surface (200 HU, translucent), needles, antennas, predicted "
            "zones and the spinal canal (blue).", rgb))

    return [Step("Key images (2D)", slices, 20.0), Step("Surfaces for the 3D key image", surfaces, 12.0),
            Step("Rendering the 3D key image", view_3d, 8.0)]


def _layout_step(job: ExportJob, snapshot, deidentify: bool) -> Step:
    def layout(progress):
        from planner.render.key_images import LEGEND
        from planner.report.content import build_report
        from planner.report.pdf import report_pdf_bytes

        content = build_report(snapshot, deidentify=deidentify)
        entry = snapshot.thermal.current(snapshot)
        job.state["pdf"] = report_pdf_bytes(content, job.state["images"], LEGEND,
                                            entry.report if entry is not None else None, progress=progress)
    return Step("Laying out the report", layout, 6.0)


def pdf_job(snapshot, path, deidentify: bool = False, bone_poly=None) -> ExportJob:
    """The plan report as a PDF at ``path``."""
    job = ExportJob("PDF report")

    def write(progress):
        staged_write(Path(path), lambda temp: temp.write_bytes(job.state["pdf"]), job.staging)
    job.steps = _key_image_steps(job, snapshot, bone_poly) + [_layout_step(job, snapshot, deidentify),
                                                   Step("Writing the PDF", write, 0.2), job.commit_step()]
    return job


def dicom_job(snapshot, folder, deidentify: bool = False, bone_poly=None) -> ExportJob:
    """The report (Encapsulated PDF) and the key images (Secondary Capture) into ``folder``."""
    job = ExportJob("DICOM export")

    def write(progress):
        from planner.export.dicom import source_header, write_dicom_exports
        from planner.headless.export import ct_references

        report(progress, 0.0, "Reading the CT's headers")
        source, ct = source_header(snapshot.volume.info), ct_references(snapshot)
        write_dicom_exports(folder, source, job.state["pdf"], job.state["images"], deidentify, ct,
                            snapshot.plan.created, scaled(progress, 0.3, 1.0), job.staging)
    job.steps = _key_image_steps(job, snapshot, bone_poly) + [_layout_step(job, snapshot, deidentify),
                                                   Step("Writing the DICOM files", write, 3.0), job.commit_step()]
    return job


# --- segmentations, meshes, markups ------------------------------------------------------------------
SEGMENT_TITLES = {"seg": "DICOM segmentation", "rtstruct": "RT structure set", "slicer-seg": "3D Slicer segmentation"}


def segments_job(snapshot, to: str, path, deidentify: bool = False) -> ExportJob:
    """The canal, lesion, zones and export masks as a DICOM SEG, an RT Structure Set or a 3D Slicer
    segmentation (``to``: ``seg``, ``rtstruct``, ``slicer-seg``) at ``path``."""
    if to not in SEGMENT_TITLES:
        raise PlannerError(f"Unknown segmentation export {to!r}: choose one of {', '.join(SEGMENT_TITLES)}.")
    job = ExportJob(SEGMENT_TITLES[to])

    def segments(progress):
        from planner.export.segments import plan_segments

        job.state["segments"] = plan_segments(snapshot, snapshot.export_masks)

    def source(progress):
        from planner.export.ct_source import ct_source

        job.state["source"] = ct_source(snapshot.volume) if to != "slicer-seg" else None

    def write(progress):
        segs, plan_id = job.state["segments"], snapshot.plan.created
        if to == "slicer-seg":
            from planner.export.slicer_seg import write_slicer_segmentation

            write_slicer_segmentation(path, snapshot.volume, segs, job.staging)
        elif to == "seg":
            from planner.export.seg import write_seg

            write_seg(path, job.state["source"], segs, plan_id, deidentify, job.staging)
        else:
            from planner.export.rtstruct import write_rtstruct

            write_rtstruct(path, snapshot.volume, job.state["source"], segs, plan_id, deidentify, job.staging)
    job.steps = [Step("Segments on the CT grid", segments, 3.0), Step("Reading the CT's headers", source, 2.0),
                 Step(f"Writing the {SEGMENT_TITLES[to]}", write, 5.0), job.commit_step()]
    return job


def meshes_job(snapshot, folder, fmt: str = "stl") -> ExportJob:
    """Surface meshes of the plan, the anatomy and the bone into ``folder``."""
    job = ExportJob("Mesh export")

    def write(progress):
        from planner.render.mesh_export import export_meshes

        export_meshes(snapshot, folder, fmt, progress=progress, staging=job.staging)
    job.steps = [Step("Building and writing the meshes", write, 10.0), job.commit_step()]
    return job


def markups_job(snapshot, path, description: str) -> ExportJob:
    """The plan as 3D Slicer markups at ``path``."""
    job = ExportJob("Markups export")

    def write(progress):
        from planner.export.markups import write_markups

        write_markups(snapshot.plan, path, description, job.staging)
    job.steps = [Step("Writing the markups", write, 1.0), job.commit_step()]
    return job
