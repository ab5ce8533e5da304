"""The six ISRC sectors of a vertebra (Cox et al., IJROBP 2012;83:e597-605, anatomic classification).

Sector numbers, as the issue and the consensus figure name them (the figure is an axial drawing going
round the vertebra): 1 vertebral body, 2 left pedicle, 3 left transverse process and lamina,
4 spinous process, 5 right transverse process and lamina, 6 right pedicle. "Left" is the patient's left
(LPS +x). The numbering could be checked only second-hand (docs/ctv.md says what was verified).

Method, in the vertebra's own frame (``u`` across toward the patient's left, measured from the
mid-sagittal plane; ``v`` toward posterior from the body centre; ``w`` toward the head):

1. **Vertebra mask** (:func:`vertebra_mask`): bone (smoothed HU above ``bone_hu``; behind the
   posterior wall above the vertebra's own marrow threshold when its marrow is osteoporotic,
   :func:`params_for_marrow`) in the slab ``|w| <= height/2 + slab_margin_mm``, holes filled slice by
   slice (so lytic tumour and marrow inside a cortical ring count), the spinal canal removed, and the
   connected part holding the body centre; bone far to the side only through its own slice
   (:mod:`planner.anatomy.sector_lateral`: not across the sacroiliac joints, nor to a rib).
2. **Landmarks** (:func:`sector_frame`): the canal's AP range and half-width from the canal mask in
   the slab (2nd/98th percentiles); the body's posterior wall ``v_wall``: half the level's measured AP
   depth, at most ``wall_behind_canal_mm`` behind the canal's front (a concave posterior wall or an
   osteophyte makes the depth run long).
3. **Sectors** (:meth:`SectorFrame.classify`): ``v < v_wall`` body (1); from the wall to the canal's
   posterior edge, within ``tp_jump_mm`` of the canal's lateral edge: pedicle (2 left, 6 right),
   further out: transverse process (3 / 5); behind the canal: spinous process (4) within
   ``spinous_half_width_mm`` of the mid-plane and ``lamina_mm`` behind the canal, else lamina and
   transverse process (3 left / 5 right). Posterior elements are looked for
   ``posterior_slab_extra_mm`` above and below the body's slab (the spinous process points down).

Every step runs inside the level's voxel box (the lateral and posterior reach around the slab;
:mod:`planner.anatomy.sector_boxes`), never over the whole CT: :func:`sector_labels_in_box` gives the
labels in that box, :func:`sector_map` the same labels on the CT grid.

The interface is narrow on purpose (a level's centre, axes, mid-sagittal plane, height and depth, a
canal mask, optionally a bone mask) so automatic vertebrae can replace the click-made levels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.anatomy.marrow import DEFAULT_CANCELLOUS_HU, vertebra_bone_hu
from planner.anatomy.morphology import fill_holes_in_plane
from planner.anatomy.sector_body_fill import BODY, fill_body_sections
from planner.anatomy.sector_boxes import Box, box_offset, box_voxels, frame_corners, mask_box, points_box, union_box
from planner.anatomy.sector_lateral import joined_in_plane
from planner.core.frames import array_shape_to_ijk, nearest_voxel_values
from planner.core.lazy import lazy_module
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

LEFT_PEDICLE, LEFT_POSTERIOR, SPINOUS, RIGHT_POSTERIOR, RIGHT_PEDICLE = 2, 3, 4, 5, 6  # BODY = 1
SECTOR_NAMES: dict[int, str] = {
    BODY: "vertebral body",
    LEFT_PEDICLE: "left pedicle",
    LEFT_POSTERIOR: "left transverse process and lamina",
    SPINOUS: "spinous process",
    RIGHT_POSTERIOR: "right transverse process and lamina",
    RIGHT_PEDICLE: "right pedicle",
}
SECTORS: tuple[int, ...] = tuple(SECTOR_NAMES)

#: Fallback canal size when no canal voxel lies in the slab: AP 16 mm, transverse 23 mm (DOMAIN.md, Kang 2012).
_CANAL_AP_MM, _CANAL_HALF_WIDTH_MM = 16.0, 11.5


@dataclass(frozen=True)
class SectorParams:
    """Tuning; lengths in mm (sizes from DOMAIN.md "Typical adult lumbar vertebra", estimates)."""

    bone_hu: float = 250.0
    #: Behind the body's posterior wall (the arch: pedicles, laminae, processes), bone is smoothed HU
    #: above this instead, when set (:func:`params_for_marrow`: the vertebra's own marrow threshold).
    posterior_bone_hu: float | None = None
    smooth_sigma_mm: float = 0.7
    slab_margin_mm: float = -1.0
    posterior_slab_extra_mm: float = 5.0
    lateral_reach_mm: float = 60.0
    posterior_reach_mm: float = 75.0
    tp_jump_mm: float = 11.0
    spinous_half_width_mm: float = 5.0
    lamina_mm: float = 4.0
    wall_behind_canal_mm: float = 3.0


@dataclass(frozen=True)
class LevelFrame:
    """What the sectors need of a level: body centre, axes (rows: left, posterior, head), mid-plane, sizes."""

    name: str
    centre_lps: np.ndarray
    axes: np.ndarray
    plane_point_lps: np.ndarray
    height_mm: float
    depth_mm: float
    width_mm: float | None = None  # the body's left-right extent when measured (the marrow rule's core)

    @classmethod
    def of(cls, level, height_mm: float | None = None, depth_mm: float | None = None) -> "LevelFrame":
        """From a :class:`~planner.anatomy.levels.LevelGeometry` or a plan ``Level`` (duck-typed).

        A plan level carries no height: 26 mm is used (DOMAIN.md, L1-L3 bodies 25-28 mm), and its
        ``body_depth_mm`` or 32 mm (depth 30-35 mm).
        """
        centre = np.asarray(getattr(level, "body_centre_lps"), float)
        axes = np.asarray(getattr(level, "axes_lps", None) or getattr(level, "axes"), float).reshape(3, 3)
        plane = np.asarray(getattr(level, "plane_point_lps", None) or centre, float)
        h = height_mm or getattr(level, "height_mm", None) or 26.0
        d = depth_mm or getattr(level, "depth_mm", None) or getattr(level, "body_depth_mm", None) or 32.0
        width = getattr(level, "width_mm", None)
        return cls(str(getattr(level, "name", "")), centre, axes, plane, float(h), float(d),
                   None if width is None else float(width))

    def local(self, points_lps: np.ndarray) -> np.ndarray:
        """(n, 3) LPS -> (n, 3) (u from the mid-plane, v and w from the body centre), mm."""
        p = np.asarray(points_lps, float).reshape(-1, 3)
        uvw = (p - self.centre_lps) @ self.axes.T
        uvw[:, 0] = (p - self.plane_point_lps) @ self.axes[0]
        return uvw


@dataclass(frozen=True)
class SectorFrame:
    """The landmarks that split a vertebra into sectors, in the level's frame (mm)."""

    level: LevelFrame
    v_wall: float
    v_canal_ant: float
    v_canal_post: float
    canal_half_width: float
    slab_half_mm: float
    params: SectorParams

    def classify(self, points_lps) -> np.ndarray:
        """Sector (1-6) of each LPS point by position alone; 0 outside the level's slab."""
        u, v, w = self.level.local(points_lps).T
        p = self.params
        left = u >= 0
        lateral = np.abs(u) > self.canal_half_width + p.tp_jump_mm
        post = np.where(left, LEFT_POSTERIOR, RIGHT_POSTERIOR)
        ped = np.where(left, LEFT_PEDICLE, RIGHT_PEDICLE)
        spinous = (np.abs(u) <= p.spinous_half_width_mm) & (v > self.v_canal_post + p.lamina_mm)
        out = np.where(v < self.v_wall, BODY,
                       np.where(v < self.v_canal_post, np.where(lateral, post, ped),
                                np.where(spinous, SPINOUS, post))).astype(np.uint8)
        slab = np.where(v > self.v_canal_post, self.slab_half_mm + p.posterior_slab_extra_mm, self.slab_half_mm)
        out[np.abs(w) > slab] = 0
        return out


def _box(volume: ImageVolume, level: LevelFrame, p: SectorParams) -> Box:
    """Array slices of the voxel box holding the level's slab (with its posterior arch)."""
    half = level.height_mm / 2.0 + p.slab_margin_mm
    corners = []
    for u in (-p.lateral_reach_mm, p.lateral_reach_mm):
        for v in (-level.depth_mm / 2.0 - 8.0, p.posterior_reach_mm):
            for w in (-half - 10.0, half + 10.0):
                corners.append(level.centre_lps + u * level.axes[0] + v * level.axes[1] + w * level.axes[2])
    box = points_box(volume, np.array(corners))
    if box is None:
        raise PlannerError(f"Level {level.name or '?'} lies outside the scan: no sectors can be made.")
    return box


def vertebra_mask(volume: ImageVolume, level, canal_mask: np.ndarray | None,
                  params: SectorParams | None = None) -> np.ndarray:
    """Boolean mask (CT grid ``[k, j, i]``) of the vertebra of ``level`` (method step 1)."""
    p = params or SectorParams()
    lf = level if isinstance(level, LevelFrame) else LevelFrame.of(level)
    box, bone = _vertebra_in_box(volume, lf, canal_mask, p)
    out = np.zeros(volume.hu.shape, bool)
    out[box] = bone
    return out


def _vertebra_in_box(volume: ImageVolume, lf: LevelFrame, canal_mask: np.ndarray | None, p: SectorParams,
                     frame: SectorFrame | None = None) -> tuple[Box, np.ndarray]:
    """(the level's box, :func:`vertebra_mask` inside it): the mask holds no voxel outside the box.
    ``frame``: the level's :func:`sector_frame` when already known (the arch's threshold needs its wall)."""
    box = _box(volume, lf, p)
    sk, sj, si = volume.spacing_mm[2], volume.spacing_mm[1], volume.spacing_mm[0]
    hu = ndimage.gaussian_filter(volume.hu[box].astype(np.float32),
                                 sigma=[p.smooth_sigma_mm / s for s in (sk, sj, si)])
    arch_hu = p.posterior_bone_hu if p.posterior_bone_hu is not None and p.posterior_bone_hu < p.bone_hu else None
    # Only voxels above the lower threshold can be bone: their frame coordinates alone are computed.
    (k, j, i), lps = box_voxels(volume, box, hu > (p.bone_hu if arch_hu is None else arch_hu))
    _, v, w = lf.local(lps).T
    hu_at = hu[k, j, i]
    half = lf.height_mm / 2.0 + p.slab_margin_mm
    slab = np.where(v > lf.depth_mm / 2.0 + _CANAL_AP_MM, half + p.posterior_slab_extra_mm, half)
    is_bone = hu_at > p.bone_hu
    if arch_hu is not None:
        frame = frame or sector_frame(volume, lf, canal_mask, None, p)
        is_bone |= (v >= frame.v_wall) & (hu_at > arch_hu)
    is_bone &= np.abs(w) <= slab
    bone = np.zeros(hu.shape, bool)
    bone[k[is_bone], j[is_bone], i[is_bone]] = True
    in_plane = np.zeros((3, 3, 3), bool)
    in_plane[1] = ndimage.generate_binary_structure(2, 1)
    bone = fill_holes_in_plane(bone, in_plane)
    if canal_mask is not None:
        bone &= ~np.asarray(canal_mask, bool)[box]
    labels, n = ndimage.label(bone)
    if n == 0:
        raise PlannerError(f"No bone found at level {lf.name or '?'}: is the level placed on a vertebra?")
    c = np.round(volume.to_ijk(lf.centre_lps)).astype(int) - box_offset(box)
    c = np.clip(c, 0, np.array(array_shape_to_ijk(hu.shape)) - 1)
    lab = labels[c[2], c[1], c[0]]
    if lab == 0:  # centre in a lytic hole the filling missed: take the largest part
        lab = int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
    return box, joined_in_plane(volume, box, labels == lab, lf)  # not across a joint to another bone


#: The canal voxels the landmarks are taken from: within these of the level's mid-plane (u) and body
#: centre (v), mm (and in the slab).
_CANAL_NEAR_U_MM, _CANAL_NEAR_V_MM = 25.0, 60.0


def _canal_landmarks(volume, lf: LevelFrame, canal_mask, slab_half: float) -> tuple[float, float, float]:
    """(anterior v, posterior v, half-width) of the canal in the slab; DOMAIN.md sizes when none.
    Only the canal voxels in the box of the "near" region are looked at (a voxel off it is never near:
    :mod:`planner.anatomy.sector_boxes`; one voxel of margin for rounding)."""
    if canal_mask is not None:
        offset = np.array([float((lf.centre_lps - lf.plane_point_lps) @ lf.axes[0]), 0.0, 0.0])
        corners = frame_corners(lf.centre_lps, lf.axes, offset, ((-_CANAL_NEAR_U_MM, _CANAL_NEAR_U_MM),
                                (-_CANAL_NEAR_V_MM, _CANAL_NEAR_V_MM), (-abs(slab_half), abs(slab_half))))
        box = points_box(volume, corners, margin=1)
        if box is not None:
            _, lps = box_voxels(volume, box, np.asarray(canal_mask, bool)[box])
            uvw = lf.local(lps)
            near = ((np.abs(uvw[:, 2]) <= slab_half) & (np.abs(uvw[:, 0]) < _CANAL_NEAR_U_MM)
                    & (np.abs(uvw[:, 1]) < _CANAL_NEAR_V_MM))
            if np.count_nonzero(near) > 20:
                u, v = uvw[near, 0], uvw[near, 1]
                return float(np.percentile(v, 2)), float(np.percentile(v, 98)), float(np.percentile(np.abs(u), 98))
    v_ant = lf.depth_mm / 2.0
    return v_ant, v_ant + _CANAL_AP_MM, _CANAL_HALF_WIDTH_MM


def sector_frame(volume: ImageVolume, level, canal_mask: np.ndarray | None, bone_mask: np.ndarray | None,
                 params: SectorParams | None = None) -> SectorFrame:
    """The landmarks of method step 2 from the level, the canal mask and the vertebra mask."""
    p = params or SectorParams()
    lf = level if isinstance(level, LevelFrame) else LevelFrame.of(level)
    slab = lf.height_mm / 2.0 + p.slab_margin_mm
    v_ant, v_post, half_w = _canal_landmarks(volume, lf, canal_mask, slab)
    v_wall = min(lf.depth_mm / 2.0, v_ant + p.wall_behind_canal_mm)
    return SectorFrame(lf, v_wall, v_ant, v_post, half_w, slab, p)


@dataclass(frozen=True, eq=False)
class SectorMap:
    """Sector labels (uint8, CT grid ``[k, j, i]``; 0 = not this vertebra) and the landmarks used."""

    labels: np.ndarray
    frame: SectorFrame

    def volumes_ml(self, voxel_ml: float) -> dict[int, float]:
        counts = np.bincount(self.labels.ravel(), minlength=7)
        return {s: float(counts[s] * voxel_ml) for s in SECTORS}


def params_for_marrow(params: SectorParams, volume: ImageVolume, level: LevelFrame,
                      lesion_mask: np.ndarray | None = None) -> SectorParams:
    """``params`` with the arch's bone threshold from the vertebra's own marrow (method step 1).

    The marrow rule (:func:`planner.anatomy.marrow.vertebra_bone_hu`, the one the corridor check
    uses; ``lesion_mask`` voxels left out of its core) adapts from the corridor's 200 HU. When it
    keeps 200 HU (dense marrow: the sample, the shared lumbar scan's L1-L5) ``params`` are returned
    unchanged, so those sectors are exactly as before. When it adapts (osteoporotic marrow: the
    T11-T12 scan's T12, 100-114 HU), bone behind the posterior wall is smoothed HU above that
    threshold (``posterior_bone_hu``): the low-density pedicles, laminae and processes were missed at
    ``bone_hu`` (on T12 a third of TotalSegmentator's arch voxels were sectored; docs/ctv.md). The
    body keeps ``bone_hu``: its marrow is filled by the per-slice hull (:func:`fill_body_sections`),
    and in front of the wall the adapted threshold would take in contrast-filled vessels touching
    the body (the T11-T12 aorta's lumen reads 135-170 HU, as much as the marrow).
    """
    if params.posterior_bone_hu is not None:
        return params
    inside = None
    if lesion_mask is not None and np.any(lesion_mask):
        mask = np.asarray(lesion_mask, bool)

        def inside(points_lps):
            return nearest_voxel_values(mask, volume.to_ijk(points_lps))
    threshold = vertebra_bone_hu(volume, level, DEFAULT_CANCELLOUS_HU, inside)
    if threshold >= DEFAULT_CANCELLOUS_HU:
        return params
    return replace(params, posterior_bone_hu=min(threshold, params.bone_hu))


def sector_map(volume: ImageVolume, level, canal_mask: np.ndarray | None, bone_mask: np.ndarray | None = None,
               params: SectorParams | None = None, extra_mask: np.ndarray | None = None,
               adapt_to_marrow: bool = True) -> SectorMap:
    """Split the vertebra of ``level`` into the six sectors (the module's method).

    ``bone_mask``: the vertebra on the CT grid (default :func:`vertebra_mask`); ``extra_mask``: voxels
    to label too although not bone (the lesion, e.g. its epidural part), inside the level's slab;
    ``adapt_to_marrow``: the arch's threshold from the vertebra's marrow (:func:`params_for_marrow`,
    the lesion ``extra_mask`` left out of the marrow's core).
    """
    box, labels_in_box, frame = sector_labels_in_box(volume, level, canal_mask, bone_mask, params, extra_mask,
                                                     adapt_to_marrow)
    labels = np.zeros(volume.hu.shape, np.uint8)
    if box is not None:
        labels[box] = labels_in_box
    return SectorMap(labels, frame)


def sector_labels_in_box(volume: ImageVolume, level, canal_mask: np.ndarray | None,
                         bone_mask: np.ndarray | None = None, params: SectorParams | None = None,
                         extra_mask: np.ndarray | None = None, adapt_to_marrow: bool = True
                         ) -> tuple[Box | None, np.ndarray, SectorFrame]:
    """:func:`sector_map`'s labels inside the box that holds all of them (the level's box, or the
    bone mask's, and the extra mask's): ``(box or None when nothing is labelled, labels in the box,
    frame)``. Every step runs inside the box (:mod:`planner.anatomy.sector_boxes`: the same labels as
    on the whole grid, a fraction of the time)."""
    p = params or SectorParams()
    lf = level if isinstance(level, LevelFrame) else LevelFrame.of(level)
    if adapt_to_marrow and bone_mask is None:
        p = params_for_marrow(p, volume, lf, extra_mask)
    frame = sector_frame(volume, lf, canal_mask, None, p)
    if bone_mask is None:
        bone_box, bone = _vertebra_in_box(volume, lf, canal_mask, p, frame)
    else:
        bone_mask = np.asarray(bone_mask, bool)
        if bone_mask.shape != volume.hu.shape:
            raise PlannerError(f"The vertebra mask {bone_mask.shape} does not match the CT grid {volume.hu.shape}.")
        bone_box = mask_box(bone_mask)
        bone = None if bone_box is None else bone_mask[bone_box]
    extra = None if extra_mask is None else np.asarray(extra_mask, bool)
    if extra is not None and extra.shape != volume.hu.shape:
        raise PlannerError(f"The mask to label with the vertebra {extra.shape} does not match the CT grid "
                           f"{volume.hu.shape}.")
    box = union_box(bone_box, None if extra is None else mask_box(extra))
    if box is None:
        return None, np.zeros((0, 0, 0), np.uint8), frame
    todo = np.zeros(tuple(s.stop - s.start for s in box), bool) if extra is None else extra[box].copy()
    if bone_box is not None:
        todo[tuple(slice(b.start - w.start, b.stop - w.start) for b, w in zip(bone_box, box))] |= bone
    (k, j, i), lps = box_voxels(volume, box, todo)
    labels = np.zeros(todo.shape, np.uint8)
    labels[k, j, i] = frame.classify(lps)
    fill_body_sections(labels, None if canal_mask is None else np.asarray(canal_mask, bool)[box],
                       pixel_mm=float(max(volume.spacing_mm[:2])), offset_ji=(box[1].start, box[2].start))
    return box, labels, frame


#: Height of the disc the foramina's bracket spans (half a disc at each end; an estimate: the low end of
#: the 5-10 mm thoracolumbar range the bracket assumes, so the body's own bone is not cut).
BRACKET_DISC_MM = 5.0


def bracket_by_foramina(frame: LevelFrame, seed_lps, foramina, min_mm: float = 18.0,
                        max_mm: float = 45.0, disc_mm: float = BRACKET_DISC_MM) -> LevelFrame:
    """The cranio-caudal extent of a level the detection could not measure, from the neural foramina.

    A vertebra's pedicles lie between the intervertebral foramen above and the one below it; each
    foramen lies beside the disc and the lower part of the body above it (Gray's Anatomy, DOMAIN.md
    "Access geometry"). So the foramen centres nearest above and below ``seed_lps`` (a point in the
    body) bracket the vertebra: the frame's centre moves (along its head axis only) to their midpoint
    and its height becomes their distance less ``disc_mm``. Each foramen's centre lies at about its
    disc's height, so the bracket holds the body and half a disc at each end: with the whole distance
    as the height, the body's slab reached into both discs (on the T11-T12 scan the T11-T12 disc's
    two slices and its endplate rims made T12's body 44 mL against TotalSegmentator's 28 mL;
    docs/ctv.md). Used when the body frame comes from the bone alone
    (:func:`planner.anatomy.body_frame.body_frame_from_bone`: on a scan with fatty, low-density marrow
    it can pick an endplate ring of a few slices). ``foramina``: objects with ``centre_lps``. The frame
    is returned unchanged unless a foramen is found on each side of the seed and their distance is
    a plausible vertebral height plus disc (``min_mm``-``max_mm``; T12 body 25-28 mm + disc 5-10 mm).
    """
    seed = np.asarray(seed_lps, float).reshape(3)
    head = frame.axes[2]
    w = np.array([float((np.asarray(f.centre_lps, float) - seed) @ head) for f in foramina])
    below, above = w[w < 0], w[w > 0]
    if not below.size or not above.size:
        return frame
    lo, hi = float(below.max()), float(above.min())
    if not (min_mm <= hi - lo <= max_mm):
        return frame
    shift = float((seed + 0.5 * (lo + hi) * head - frame.centre_lps) @ head)
    return replace(frame, centre_lps=frame.centre_lps + shift * head,
                   plane_point_lps=frame.plane_point_lps + shift * head, height_mm=hi - lo - disc_mm)
