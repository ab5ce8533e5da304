"""Positions as text (issue 19): LPS signed numbers, or RAS direction letters with no sign.

Expected strings follow from the definitions alone: RAS = (-x_lps, -y_lps, z_lps), each axis shown as
the letter of the direction the point lies in and the distance from the origin (3D Slicer's Data Probe)."""

import numpy as np
import pytest

from planner.core.position_text import LPS, RAS, axis_text, position_text


def test_the_issue_example_reads_with_letters():
    # 23.6 mm to the patient's right (x_lps < 0), 182.0 mm inferior (z_lps < 0)
    assert position_text((-23.6, 10.0, -182.0), RAS) == "R 23.6 mm, P 10.0 mm, I 182.0 mm"


@pytest.mark.parametrize("lps, text", [
    ((1.0, 0.0, 0.0), "L 1.0 mm, A 0.0 mm, S 0.0 mm"),
    ((-1.0, 2.0, 3.0), "R 1.0 mm, P 2.0 mm, S 3.0 mm"),
    ((0.0, -2.5, -3.25), "R 0.0 mm, A 2.5 mm, I 3.2 mm"),  # 3.25 rounds half to even
    ((-0.04, 0.04, -0.04), "R 0.0 mm, A 0.0 mm, S 0.0 mm"),  # shown as zero: one letter, no "-0.0"
])
def test_ras_letters_per_axis(lps, text):
    assert position_text(lps, RAS) == text
    assert "-" not in position_text(lps, RAS)


def test_letters_agree_with_the_ras_frame():
    """An independent route: convert to RAS numbers, then the letter is R/A/S for >= 0, else L/P/I."""
    rng = np.random.default_rng(19)
    for lps in rng.uniform(-300, 300, (50, 3)):
        ras = (-lps[0], -lps[1], lps[2])
        parts = position_text(lps, RAS).split(", ")
        for value, part, (pos, neg) in zip(ras, parts, (("R", "L"), ("A", "P"), ("S", "I"))):
            letter, number, unit = part.split(" ")
            assert unit == "mm" and float(number) == pytest.approx(abs(value), abs=0.051)
            assert letter == (pos if round(value, 1) >= 0 or round(abs(value), 1) == 0 else neg)


def test_lps_stays_signed_numbers():
    assert position_text((-23.6, 10.0, -182.0), LPS) == "LPS (-23.6, 10.0, -182.0) mm"
    assert position_text(np.array([1.25, 2.0, 3.0]), LPS, decimals=2) == "LPS (1.25, 2.00, 3.00) mm"


def test_axis_text_and_bad_input_in_words():
    assert axis_text(2, 182.0) == "S 182.0 mm"
    assert axis_text(0, -23.6, decimals=0) == "R 24 mm"
    with pytest.raises(ValueError, match="position frame"):
        position_text((0, 0, 0), "XYZ")
    with pytest.raises(ValueError, match="axis"):
        axis_text(3, 1.0)
