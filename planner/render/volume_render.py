"""Optional direct volume rendering of the CT (bone preset), as an alternative to the bone surface.

The image goes to VTK in voxel index space and the volume prop carries the IJK->LPS matrix, so the
rendering sits exactly where the surfaces and plan items are.
"""

from __future__ import annotations

from vtkmodules.vtkCommonDataModel import vtkPiecewiseFunction
from vtkmodules.vtkRenderingCore import vtkColorTransferFunction, vtkVolume, vtkVolumeProperty
from vtkmodules.vtkRenderingVolumeOpenGL2 import vtkSmartVolumeMapper

from planner.core.volume import ImageVolume
from planner.render.vtk_bridge import image_data_ijk, matrix4x4

# (HU, opacity) and (HU, r, g, b): soft tissue transparent, bone from ~150 HU opaque-ish and ivory.
BONE_OPACITY = ((-1000, 0.0), (150, 0.0), (300, 0.15), (700, 0.5), (1500, 0.8))
BONE_COLOURS = ((-1000, 0.0, 0.0, 0.0), (150, 0.55, 0.25, 0.15), (300, 0.9, 0.82, 0.7), (1500, 1.0, 1.0, 0.95))


def bone_volume(volume: ImageVolume) -> vtkVolume:
    """A vtkVolume of ``volume`` with the bone transfer functions, positioned in LPS mm."""
    mapper = vtkSmartVolumeMapper()
    mapper.SetInputData(image_data_ijk(volume.hu))
    opacity = vtkPiecewiseFunction()
    for hu, a in BONE_OPACITY:
        opacity.AddPoint(hu, a)
    colour = vtkColorTransferFunction()
    for hu, r, g, b in BONE_COLOURS:
        colour.AddRGBPoint(hu, r, g, b)
    prop = vtkVolumeProperty()
    prop.SetScalarOpacity(opacity)
    prop.SetColor(colour)
    prop.SetInterpolationTypeToLinear()
    prop.ShadeOn()
    prop.SetScalarOpacityUnitDistance(min(volume.spacing_mm))
    actor = vtkVolume()
    actor.SetMapper(mapper)
    actor.SetProperty(prop)
    actor.SetUserMatrix(matrix4x4(volume.ijk_to_lps))
    return actor
