"""Plans on the real scans for export tests, placed by hand from views of the scans (not from the
planner's output): a 10 mm lesion sphere in a vertebral body, a bipedicular pair of needles with a
microwave antenna each, and a thermocouple behind the body next to the canal."""

from __future__ import annotations

import numpy as np

#: A click in the L2 body of the TCIA lumbar scan (i, j, k): TCIA_L2_SEED_IJK of tests/anatomy/test_levels.py (issue 13:
#: counted up from the sacrum and checked against the last rib-bearing vertebra, this body is L2, not L3).
TCIA_L2_BODY_IJK = (258, 272, 57)
#: The T12 body centre of the T11-T12 scan (i, j, k): the mid-sagittal column i 248, the middle of the body's
#: depth (anterior cortex at row j 311, the canal's CSF from j 347, on k 9) and of its marrow (k 3-13), as read
#: by eye in tests/anatomy/test_marrow_body.py. (It was (256, 300, 6): in the aorta's lumen, 11 mm in front of
#: the body, so this plan's lesion and needle tips lay in the aorta; seen in an axial render, 2026-12-04.)
T12_BODY_IJK = (248, 329, 8)


def bipedicular_plan(series, body_lps, name: str = "L2", power_w: float = 30.0, time_s: float = 240.0):
    from planner.plan.document import PlanDocument
    from planner.plan.items import Antenna, Needle, Target, Thermocouple

    body = np.asarray(body_lps, dtype=float)
    doc = PlanDocument(series=series)
    doc.insert(Target(tuple(body + [4.0, 0.0, 0.0]), kind="sphere", semi_axes_mm=(10.0, 10.0, 10.0), level=name,
                      name="Lesion"))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        entry = body + [sign * 45.0, 95.0, 0.0]
        tip = body + [sign * 6.0, -2.0, 0.0]
        needle = Needle(tuple(entry), tuple(tip), name=f"{name} {side}", level=name, side=side)
        doc.insert(needle)
        doc.insert(Antenna(needle.id, power_w=power_w, time_s=time_s))
    doc.insert(Thermocouple(tuple(body + [30.0, 60.0, 0.0]), tuple(body + [9.0, 18.0, 0.0]),
                            name="Epidural thermocouple"))
    return doc


def real_session(volume, canal, body_ijk, name: str):
    """A session on a real scan (``volume`` and its ``canal``, segment_canal's: the session's shared ones,
    tests/conftest.py) with the hand-made plan evaluated."""
    from planner.session.session import PlanningSession

    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(volume)
    session.set_canal(canal.mask.copy())
    session.open_plan(bipedicular_plan(session.plan.series, volume.to_lps(np.asarray(body_ijk, dtype=float)), name))
    session.evaluate(corridors=False)
    return session
