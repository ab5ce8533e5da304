"""Axial + sagittal PNG of every foramen the session finds on the shared lumbar scan, over the CT (recipe of
docs/foramina-check.md). Run from the project root: ``python3 docs/foramina_renders.py OUT_DIR``; the PNGs
are for looking at, never committed."""
import sys
sys.path.insert(0, ".")
import numpy as np, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
from planner.imaging import load_path
from planner.anatomy.canal import segment_canal
from planner.session.session import PlanningSession
out = sys.argv[1]
v = load_path('../shared/data/ct-lumbar-tcia/dicom'); canal = segment_canal(v).mask
s = PlanningSession(); s.auto_evaluate=False; s.set_volume(v); s.set_canal(canal.copy()); s.anatomy.compute(); s.auto_evaluate=True; ev = s.evaluate()
print([(g.name, round(float(v.to_ijk(np.asarray(g.body_centre_lps))[2]),1)) for g in s.anatomy.spine().vertebrae])
for n, f in enumerate(ev.foramina):
    pts = f.points_kji(); k0 = int(np.round(pts[:,0].mean())); j0 = int(np.round(pts[:,1].mean())); i0 = int(np.round(pts[:,2].mean()))
    m = f.full_mask(v.hu.shape)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 6))
    a1.imshow(v.hu[k0, j0-60:j0+60, i0-60:i0+60], cmap='gray', vmin=-200, vmax=1000, extent=(i0-60.5, i0+59.5, j0+59.5, j0-60.5))
    a1.contour(np.arange(i0-60,i0+60), np.arange(j0-60,j0+60), m[k0, j0-60:j0+60, i0-60:i0+60], [0.5], colors='m')
    a1.contour(np.arange(i0-60,i0+60), np.arange(j0-60,j0+60), canal[k0, j0-60:j0+60, i0-60:i0+60], [0.5], colors='y', linewidths=0.5)
    a1.set_title(f'axial k{k0} (image right = patient left)')
    ks = slice(max(0,k0-15), min(v.hu.shape[0], k0+16))
    a2.imshow(v.hu[ks, j0-60:j0+60, i0], cmap='gray', vmin=-200, vmax=1000, origin='lower', aspect=v.spacing_mm[2]/v.spacing_mm[1], extent=(j0-60.5, j0+59.5, ks.start-0.5, ks.stop-0.5))
    a2.contour(np.arange(j0-60,j0+60), np.arange(ks.start, ks.stop), m[ks, j0-60:j0+60, i0], [0.5], colors='m')
    a2.set_title(f'sagittal i{i0} (anterior left; k up)')
    fig.suptitle(f'#{n} {f.level or "(unnamed)"} {f.side}  k {pts[:,0].min()}-{pts[:,0].max()}  centre z {f.centre_lps[2]:.1f}')
    plt.tight_layout(); plt.savefig(f'{out}/f{n:02d}.png', dpi=45); plt.close(fig)
    print(n, f.level, f.side, 'k', pts[:,0].min(), pts[:,0].max(), 'centre', np.round(f.centre_lps,1), 'h', f.height_mm)
