"""The planner's colours, in one place: RGB 0-255 by what they show (a display setting, ARCHITECTURE.md
habit 1: what an item is lives in the plan, how it looks lives here).

The 2D overlays (ui), the 3D scene and key images (render), the self-test and the PDF report (report)
all read these; Qt code makes ``QColor(*palette.CANAL)``, VTK code uses :func:`unit`. It sits in the
core layer because the report (below render) needs the severity colours.

Where the 2D slice overlays and the lit 3D scene deliberately differ (a steel needle in 3D, a bright
outline in 2D), the entry says which medium it is for (``*_3D``).
"""

from __future__ import annotations

RGB = tuple[int, int, int]

# --- anatomy and predicted zones --------------------------------------------------------------------
CANAL: RGB = (80, 160, 255)  # the spinal canal, everywhere
CANAL_IN_ZONE: RGB = (255, 40, 40)  # the part of the canal inside a predicted zone (the overlap)
ZONE: RGB = (255, 140, 40)  # predicted ablation zones
ZONE_SHELL: RGB = (255, 190, 90)  # the conduction shell around them (about 1 cm)
BONE_3D: RGB = (237, 227, 204)
CTV: RGB = (255, 150, 190)  # the clinical target volume (ISRC sectors): rose, apart from the canal's blue (its
# old blue, (90, 110, 255), could not be told from the canal's where the two outlines touch at the posterior
# wall: screenshot round of issue 17), the foramina's violet, the lesion's magenta and the zones' orange
EXTRA_MASK: RGB = (230, 230, 80)  # other exported masks (foramina, damage region) in key images
FORAMEN: RGB = (200, 120, 255)  # the neural foramina (2D fill and outline, 3D surface); apart from the
# canal's blue, the zones' orange and the thermocouples' yellow, which are often placed in a foramen
LEVEL: RGB = (120, 255, 160)  # a level's axes and mid-sagittal plane
LEVEL_AUTO: RGB = (175, 215, 190)  # a name the automatic count proposes: LEVEL washed toward grey, so it
# never looks like one the user set

# --- plan items: 2D slice overlays and key images --------------------------------------------------
NEEDLE: RGB = (205, 210, 225)
SELECTED: RGB = (90, 235, 255)
ANTENNA: RGB = (225, 145, 60)
THERMOCOUPLE: RGB = (245, 225, 70)
THERMOCOUPLE_ALARM: RGB = (255, 70, 70)
TARGET: RGB = (235, 90, 235)  # lesion targets in the 2D views
TARGET_KEY_IMAGE: RGB = (60, 220, 110)  # lesion targets in key images and in 3D
ANTENNA_KEY_IMAGE: RGB = (240, 120, 40)
THERMOCOUPLE_KEY_IMAGE: RGB = (120, 200, 255)
MEASUREMENT: RGB = (120, 230, 255)
REFERENCE_PLAN: RGB = (70, 235, 120)  # training: the reference plan, distinct from needles, zones, targets
DIFFERENCE: RGB = (255, 255, 255)  # training: lines from an attempt to the reference

# --- plan items in the lit 3D scene (materials) -----------------------------------------------------
NEEDLE_3D: RGB = (184, 191, 204)  # steel
ANTENNA_3D: RGB = (204, 115, 51)  # copper
ANTENNA_TIP_3D: RGB = (242, 158, 77)
THERMOCOUPLE_3D: RGB = (140, 179, 230)
TARGET_3D: RGB = (64, 217, 115)
HALO_3D: RGB = (255, 235, 64)  # the selected item's halo
TC_STATE_3D: dict[str, RGB] = {"unknown": (191, 191, 191), "ok": (51, 217, 77), "prealarm": (255, 184, 26),
                               "alarm": (242, 31, 31)}

# --- views and findings --------------------------------------------------------------------------
VIEW_AXIAL: RGB = (230, 80, 80)  # 3D Slicer's red, yellow and green views
VIEW_SAGITTAL: RGB = (235, 205, 70)
VIEW_CORONAL: RGB = (90, 190, 100)
VIEW_NEEDLE: RGB = (110, 170, 255)

# --- the temperature-time plot (thermal dock and PDF report: curve n has the same colour in both) -----
THERMAL_CURVES: tuple[RGB, ...] = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189),
                                   (140, 86, 75), (227, 119, 194), (23, 190, 207))
THERMAL_PREALARM_LINE: RGB = (214, 137, 16)
THERMAL_ALARM_LINE: RGB = (192, 57, 43)
THERMAL_POWER_OFF_LINE: RGB = (85, 85, 85)
THERMAL_FRAME: RGB = (136, 136, 136)  # the plot's frame
THERMAL_AXIS_TEXT: RGB = (68, 68, 68)
STALE_TEXT: RGB = (140, 140, 140)  # findings kept on screen while they are being rechecked
SEVERITY: dict[str, RGB] = {"critical": (200, 30, 30), "warning": (190, 120, 0), "info": (60, 60, 60)}


def unit(rgb: RGB) -> tuple[float, float, float]:
    """The colour as VTK wants it: three floats in 0..1."""
    return (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)


def hex_code(rgb: RGB) -> str:
    """``#rrggbb`` (ReportLab, style sheets)."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
