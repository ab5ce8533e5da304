"""Surface meshes of a plan for 3D printing or other software: predicted zones, spinal canal, the
lesion, the CTV and other masks handed in (``session.export_masks``), needles (with antennas and
thermocouples) and the bone surface, as STL, OBJ or VTP, in LPS mm.

Each part is closed triangle meshes (tubes are capped; ellipsoids and mask surfaces are closed; the
bone is capped where the scan ends and cleaned of small pieces, :mod:`planner.render.bone_mesh`).
Every file says its coordinate system: STL in its 80-byte header (``SPACE=LPS``, the convention 3D
Slicer reads), OBJ in a first comment line, VTP in a field-data string array ``CoordinateSystem``
(``LPS``) with ``Units`` (``mm``).
"""

from __future__ import annotations

import re
from pathlib import Path

from vtkmodules.vtkCommonCore import vtkStringArray
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkFiltersCore import vtkAppendPolyData, vtkCleanPolyData, vtkTriangleFilter
from vtkmodules.vtkIOGeometry import vtkOBJWriter, vtkSTLWriter
from vtkmodules.vtkIOXML import vtkXMLPolyDataWriter

from planner.core.errors import PlannerError
from planner.render.mask_surfaces import mask_surface_polydata
from planner.render.shapes3d import BallShape, EllipsoidSurface, TubeShape
from planner.render.bone_mesh import closed_bone_surface

MESH_FORMATS = ("stl", "obj", "vtp")
MESH_PARTS = ("zones", "canal", "lesion", "masks", "needles", "bone")
OBJ_HEADER = "# Spine Ablation Planner mesh; coordinates: DICOM patient LPS, millimetres\n"
FALLBACK_ANTENNA_DIAMETER_MM = 1.6


def _triangles(poly: vtkPolyData) -> vtkPolyData:
    tri = vtkTriangleFilter()
    tri.SetInputData(poly)
    clean = vtkCleanPolyData()
    clean.SetInputConnection(tri.GetOutputPort())
    clean.Update()
    out = vtkPolyData()
    out.DeepCopy(clean.GetOutput())
    return out


def _append(polys: list[vtkPolyData]) -> vtkPolyData:
    append = vtkAppendPolyData()
    for poly in polys:
        append.AddInputData(poly)
    append.Update()
    return _triangles(append.GetOutput())


def zone_meshes(session) -> dict[str, vtkPolyData]:
    """One closed ellipsoid surface per predicted zone, named after its antenna."""
    out = {}
    ev = session.evaluation
    for zr in (ev.zones if ev is not None else ()):
        if zr.zone is None:
            continue
        surface = EllipsoidSurface()
        surface.set(zr.zone.ellipsoid)
        needle = session.plan.get(zr.needle_id) if zr.needle_id in session.plan else None
        name = f"zone {needle.name if needle is not None else zr.antenna_id}"
        out[_unique(out, name)] = _triangles(surface.poly)
    return out


def needle_meshes(session) -> dict[str, vtkPolyData]:
    """Needles (true outer diameter) with their antenna (device diameter) and a tip ball, thermocouples."""
    out = {}
    plan = session.plan
    for needle in plan.needles:
        parts = [_tube(needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm / 2)]
        antenna = plan.antenna_for(needle.id)
        if antenna is not None:
            radius = _antenna_diameter(session, antenna) / 2
            tip = antenna.tip_lps(needle)
            parts += [_tube(needle.tip_lps, tip, radius), _ball(tip, radius * 1.2)]
        out[_unique(out, f"needle {needle.name}")] = _append(parts)
    for tc in plan.thermocouples:
        out[_unique(out, f"thermocouple {tc.name}")] = _append([_tube(tc.entry_lps, tc.tip_lps, tc.outer_diameter_mm / 2)])
    return out


def _unique(existing: dict, name: str) -> str:
    while name in existing:
        name += " 2"
    return name


def _antenna_diameter(session, antenna) -> float:
    try:
        return float(session.devices.get(antenna.device_id).diameter_mm)
    except Exception:  # noqa: BLE001 - an unknown device is a finding elsewhere; draw the generic size
        return FALLBACK_ANTENNA_DIAMETER_MM


def _tube(p0, p1, radius_mm: float) -> vtkPolyData:
    tube = TubeShape(radius_mm)
    out = vtkPolyData()
    if not tube.set(p0, p1, radius_mm):
        return out  # a zero-length segment (e.g. an antenna not pushed beyond the needle) has no surface
    out.DeepCopy(tube.polydata())
    return out


def _ball(centre, radius_mm: float) -> vtkPolyData:
    ball = BallShape(radius_mm)
    ball.set(centre, radius_mm)
    out = vtkPolyData()
    out.DeepCopy(ball.polydata())
    return out


def plan_meshes(session, parts=MESH_PARTS) -> dict[str, vtkPolyData]:
    """The requested parts as named meshes (names become file names)."""
    unknown = set(parts) - set(MESH_PARTS)
    if unknown:
        raise PlannerError(f"Unknown mesh part(s): {', '.join(sorted(unknown))} (choose from {', '.join(MESH_PARTS)}).")
    out: dict[str, vtkPolyData] = {}
    if "zones" in parts:
        out.update(zone_meshes(session))
    if "needles" in parts:
        out.update(needle_meshes(session))
    if "canal" in parts and session.canal_mask is not None and session.canal_mask.any():
        out["spinal canal"] = _triangles(mask_surface_polydata(session.canal_mask, session.grid))
    if "lesion" in parts and session.volume is not None:
        lesion = _lesion_mask(session)
        if lesion is not None and lesion.any():
            out["lesion"] = _triangles(mask_surface_polydata(lesion, session.grid))
    if "masks" in parts:
        for name, value in (getattr(session, "export_masks", None) or {}).items():
            mask = value[0] if isinstance(value, tuple) else value
            if mask is not None and mask.any():
                out[_unique(out, name)] = _triangles(mask_surface_polydata(mask, session.grid))
    if "bone" in parts and session.volume is not None:
        from planner.render.surfaces import patient_volume

        out["bone"] = _triangles(closed_bone_surface(patient_volume(session)))  # no CT table (issue 19)
    return out


def _lesion_mask(session):
    """The lesion: the session's lesion mask, else its sphere/ellipsoid targets rasterised on the CT grid."""
    from planner.geometry.raster import paste, rasterise_union
    from planner.session.targets import target_shape

    mask = session.lesion_mask()
    if mask is not None:
        return mask
    shapes = [s for s in (target_shape(t) for t in session.plan.targets) if s is not None]
    if not shapes:
        return None
    local, box = rasterise_union(session.grid, shapes)
    return paste(session.grid.shape_kji, local, box)


def safe_file_stem(name: str) -> str:
    """A file name from an item name: letters, digits, '-' and '_' only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return stem or "mesh"


def write_mesh(poly: vtkPolyData, path, fmt: str | None = None) -> Path:
    """Write one mesh as STL (binary, header ``SPACE=LPS``), OBJ or VTP (chosen by ``fmt`` or suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "stl":
        writer = vtkSTLWriter()
        writer.SetFileTypeToBinary()
        writer.SetHeader("SPACE=LPS; Spine Ablation Planner mesh, mm")
    elif fmt == "obj":
        writer = vtkOBJWriter()
    elif fmt == "vtp":
        writer = vtkXMLPolyDataWriter()
        writer.SetDataModeToBinary()
        poly = _with_frame(poly)
    else:
        raise PlannerError(f"Unknown mesh format {fmt!r} (choose from {', '.join(MESH_FORMATS)}).")
    writer.SetFileName(str(path))
    writer.SetInputData(poly)
    if not writer.Write() or not path.is_file():
        raise PlannerError(f"The mesh could not be written to {path}; check the folder exists and is writable.")
    if fmt == "obj":
        try:
            path.write_text(OBJ_HEADER + path.read_text(encoding="ascii"), encoding="ascii")
        except OSError as exc:
            raise PlannerError(f"The mesh {path} could not be completed ({exc.strerror or exc}).") from None
    return path


def _with_frame(poly: vtkPolyData) -> vtkPolyData:
    """A shallow copy of ``poly`` with field data ``CoordinateSystem`` = LPS and ``Units`` = mm."""
    out = vtkPolyData()
    out.ShallowCopy(poly)
    for name, value in (("CoordinateSystem", "LPS"), ("Units", "mm")):
        array = vtkStringArray()
        array.SetName(name)
        array.InsertNextValue(value)
        out.GetFieldData().AddArray(array)
    return out


def export_meshes(session, folder, fmt: str = "stl", parts=MESH_PARTS, progress=None, staging=None) -> list[Path]:
    """Write every requested part into ``folder`` as ``<part>.<fmt>``; returns the files written.

    Part by part (the bone surface takes longest), asking ``progress(fraction, text)`` between parts
    (False = cancel, :class:`~planner.core.progress.ExportCancelled`); the files go in under temporary
    names and are renamed into place together at the end (:mod:`planner.export.atomic`; into
    ``staging`` when given, the caller commits), so a cancelled or failed export leaves none."""
    from planner.export.atomic import Staging
    from planner.core.progress import report

    folder = Path(folder)
    if fmt not in MESH_FORMATS:
        raise PlannerError(f"Unknown mesh format {fmt!r} (choose from {', '.join(MESH_FORMATS)}).")
    parts = tuple(parts)
    unknown = set(parts) - set(MESH_PARTS)
    if unknown:  # refused before anything is built
        raise PlannerError(f"Unknown mesh part(s): {', '.join(sorted(unknown))} (choose from {', '.join(MESH_PARTS)}).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"The folder {folder} could not be created ({exc.strerror or exc}).") from None
    own = staging is None
    stage = Staging() if own else staging
    written, used = [], set()
    try:
        for number, part in enumerate(parts):
            report(progress, number / max(len(parts), 1), f"Meshes: {part}")
            for name, poly in plan_meshes(session, (part,)).items():
                stem = safe_file_stem(name)
                while stem in used:
                    stem += "_"
                used.add(stem)
                final = folder / f"{stem}.{fmt}"
                write_mesh(poly, stage.target(final), fmt)
                written.append(final)
        report(progress, 1.0, "Meshes written")
        if own:
            stage.commit()
    except BaseException:
        stage.discard()
        raise
    return written
