"""Renders for the eye check of the neural foramina (docs/foramina-check.md); the PNGs are never committed.

    python3 docs/foramina_renders.py OUT_DIR [DATASET]     (from the project root; needs matplotlib)

DATASET is a folder of ../shared/data (default ct-lumbar-tcia). Writes, over the CT in a bone window:
``fNN.png`` per foramen (the axial slice through its centre, canal yellow, mask magenta, image right =
patient left; and the sagittal slice through it, anterior left, k up) and ``side_<side>_<part>.png``:
parasagittal slices (3-voxel mean) through each side's foramina, all of that side's masks and the
automatic vertebrae marked, in two halves along the spine. Prints each foramen's name, side and slices.
"""

import sys

sys.path.insert(0, ".")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from planner.anatomy.canal import segment_canal  # noqa: E402
from planner.anatomy.foramina import find_foramina  # noqa: E402
from planner.anatomy.spine import find_spine  # noqa: E402
from planner.imaging import load_path  # noqa: E402

BONE = dict(cmap="gray", vmin=-200, vmax=1200, interpolation="nearest")


def foramen_png(v, canal, f, n, out):
    pts = f.points_kji()
    k0, j0, i0 = np.round(pts.mean(axis=0)).astype(int)
    m = f.full_mask(v.hu.shape)
    sj, si = slice(j0 - 60, j0 + 60), slice(i0 - 60, i0 + 60)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 7))
    a1.imshow(v.hu[k0, sj, si], extent=(si.start - .5, si.stop - .5, sj.stop - .5, sj.start - .5), **BONE)
    a1.contour(np.arange(si.start, si.stop), np.arange(sj.start, sj.stop), m[k0, sj, si], [0.5], colors="m")
    if canal[k0, sj, si].any():
        a1.contour(np.arange(si.start, si.stop), np.arange(sj.start, sj.stop), canal[k0, sj, si], [0.5], colors="y")
    a1.set_title(f"axial k{k0} (image right = patient left)")
    ks = slice(max(0, k0 - 15), min(v.hu.shape[0], k0 + 16))
    a2.imshow(v.hu[ks, sj, i0], origin="lower", aspect=v.spacing_mm[2] / v.spacing_mm[1],
              extent=(sj.start - .5, sj.stop - .5, ks.start - .5, ks.stop - .5), **BONE)
    a2.contour(np.arange(sj.start, sj.stop), np.arange(ks.start, ks.stop), m[ks, sj, i0], [0.5], colors="m")
    a2.set_title(f"sagittal i{i0} (anterior left, k up)")
    fig.suptitle(f"#{n} {f.level or '(unnamed)'} {f.side}, k {pts[:, 0].min()}-{pts[:, 0].max()}")
    plt.tight_layout()
    plt.savefig(f"{out}/f{n:02d}.png", dpi=60)
    plt.close(fig)


def side_pngs(v, foramina, vertebrae, out):
    nk = v.hu.shape[0]
    halves = ((0, nk // 2 + 5), (nk // 2 - 5, nk))
    for side in ("left", "right"):
        fs = [f for f in foramina if f.side == side]
        if not fs:
            continue
        pts = np.concatenate([f.points_kji() for f in fs])
        i0, (j_lo, j_hi) = int(np.median(pts[:, 2])), (int(pts[:, 1].min()) - 40, int(pts[:, 1].max()) + 40)
        m = np.zeros(v.hu.shape, bool)
        for f in fs:
            m[f.box] |= f.local
        for part, (k0, k1) in enumerate(halves):
            img = v.hu[k0:k1, j_lo:j_hi, i0 - 1:i0 + 2].mean(axis=2)
            mm = m[k0:k1, j_lo:j_hi, i0 - 5:i0 + 6].any(axis=2)
            fig, ax = plt.subplots(figsize=(8, 0.25 * (k1 - k0) + 1))
            ax.imshow(img, origin="lower", aspect=v.spacing_mm[2] / v.spacing_mm[1],
                      extent=(j_lo - .5, j_hi - .5, k0 - .5, k1 - .5), **BONE)
            if mm.any():
                ax.contour(np.arange(j_lo, j_hi), np.arange(k0, k1), mm, [0.5], colors="m")
            for n, f in enumerate(foramina):
                kc = f.points_kji()[:, 0].mean()
                if f.side == side and k0 <= kc < k1:
                    ax.text(j_hi - 10, kc, f"#{n}", color="m")
            for name, kc in vertebrae:
                if k0 <= kc < k1:
                    ax.text(j_lo + 1, kc, name, color="y")
            ax.set_yticks(range(k0, k1, 2))
            ax.grid(alpha=0.2, color="c")
            ax.set_title(f"{side} parasagittal i{i0} (3-voxel mean), anterior left")
            plt.tight_layout()
            plt.savefig(f"{out}/side_{side}_{part}.png", dpi=60)
            plt.close(fig)


def main(out, dataset="ct-lumbar-tcia"):
    v = load_path(f"../shared/data/{dataset}/dicom")
    canal = segment_canal(v).mask
    spine = find_spine(v)
    named = [(g.name, g.body_centre_lps) for g in spine.vertebrae if g.name]
    vertebrae = [(name, float(v.to_ijk(np.asarray(c, float))[2])) for name, c in named]
    foramina = find_foramina(v, canal, named)
    print("vertebrae (name, k):", [(n, round(k, 1)) for n, k in vertebrae])
    for n, f in enumerate(foramina):
        k = f.points_kji()[:, 0]
        print(f"#{n} {f.level or '(unnamed)'} {f.side} k {k.min()}-{k.max()}")
        foramen_png(v, canal, f, n, out)
    side_pngs(v, foramina, vertebrae, out)


if __name__ == "__main__":
    main(*sys.argv[1:])
