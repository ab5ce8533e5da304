"""Issue 17 (screenshot round): a zone beside T12 was said to lie "beside the vertebra (psoas, lumbar
plexus)". The findings name the neighbours of the zone's vertebra: beside a thoracic body the rib head, the
parietal pleura and the sympathetic trunk, in front of it the aorta and the azygos vein; beside a lumbar
(or sacral) body the psoas with the lumbar plexus inside it, in front the aorta and the IVC (standard
anatomy, e.g. Gray's Anatomy, the posterior thoracic and abdominal walls); unnamed: both."""

from __future__ import annotations

from planner.analysis.beyond_vertebra import BeyondVertebra, beyond_findings


def _lateral_message(level: str) -> str:
    result = BeyondVertebra(1.0, 6.0, {"lateral_left": 1.0}, {"lateral_left": 6.0}, level=level)
    (finding,) = beyond_findings(result)
    assert finding.code == "zone_beyond_vertebra_lateral_left"
    return finding.message


def test_a_thoracic_vertebra_names_the_rib_head_and_pleura_not_the_psoas():
    text = _lateral_message("T12")
    assert "pleura" in text and "rib head" in text and "psoas" not in text


def test_a_lumbar_or_sacral_vertebra_names_the_psoas_and_lumbar_plexus():
    for level in ("L2", "S1"):
        text = _lateral_message(level)
        assert "psoas" in text and "lumbar plexus" in text and "pleura" not in text


def test_an_unnamed_vertebra_names_both():
    text = _lateral_message("")
    assert "psoas" in text and "pleura" in text


def test_in_front_of_a_thoracic_body_the_azygos_and_of_a_lumbar_one_the_ivc():
    front = {level: beyond_findings(BeyondVertebra(1.0, 6.0, {"anterior": 1.0}, {"anterior": 6.0}, level=level))[0].message
             for level in ("T8", "L3")}
    assert "azygos" in front["T8"] and "IVC" not in front["T8"]
    assert "IVC" in front["L3"] and "azygos" not in front["L3"]
