"""Feedback in words from a :class:`~planner.training.scoring.Score`: what differs from the reference,
which way (medial/lateral by the needle's side, cranial/caudal, anterior/posterior, in the level's
axes when the reference defines the level), e.g. "Left L2 needle: tip 6 mm too medial", and below each
needle its path findings quoted from the evaluation the safety panel shows (same rule, same numbers:
"Safety panel, critical: medial cortical breach of 2.6 mm (grade 2) 95-99 mm from the entry.")."""

from __future__ import annotations

import math

from planner.training.compare import Offset
from planner.training.scoring import Score, shown_points

def offset_words(offset: Offset, midline: bool = False, min_mm: float = 1.0) -> str:
    """'6 mm too medial, 2 mm too cranial': the components of at least ``min_mm`` and a quarter of the
    whole displacement, largest first."""
    parts = [(offset.medial_mm, ("to the left", "to the right") if midline else ("too medial", "too lateral")),
             (offset.cranial_mm, ("too cranial", "too caudal")),
             (offset.anterior_mm, ("too anterior", "too posterior"))]
    floor = max(min_mm, 0.25 * offset.norm_mm)
    chosen = sorted((p for p in parts if abs(p[0]) >= floor), key=lambda p: -abs(p[0]))
    return ", ".join(f"{abs(v):.0f} mm {words[0] if v > 0 else words[1]}" for v, words in chosen)


def _angle_words(medial_deg: float, cranial_deg: float, midline: bool) -> str:
    out = []
    if abs(medial_deg) >= 2.0:
        way = ("to the left", "to the right") if midline else ("more medially", "more laterally")
        out.append(f"{abs(medial_deg):.0f}° {way[0] if medial_deg > 0 else way[1]}")
    if abs(cranial_deg) >= 2.0:
        out.append(f"{abs(cranial_deg):.0f}° {'more cranially' if cranial_deg > 0 else 'more caudally'}")
    return "aimed " + " and ".join(out) + " than the reference" if out else ""


def _needle_lines(score: Score, names: dict[str, str]) -> list[str]:
    lines = []
    for c in score.needles:
        label = c.reference_name
        if c.attempt_id is None:
            lines.append(f"{label}: no needle on the {c.side} side - the reference places one there.")
            continue
        mid = c.side == "midline"
        th = score.criterion(f"tip:{c.reference_id}")
        parts = []
        where = offset_words(c.tip_offset, mid) if c.tip_offset else ""
        if th is not None and not th.passed:
            parts.append(f"tip {c.tip_error_mm:.0f} mm off ({where})" if where else f"tip {c.tip_error_mm:.0f} mm off")
        else:
            parts.append(f"tip within {c.tip_error_mm:.1f} mm of the reference")
        entry = score.criterion(f"entry:{c.reference_id}")
        if entry is not None and not entry.passed and c.entry_offset is not None:
            parts.append(f"entry {c.entry_error_mm:.0f} mm off ({offset_words(c.entry_offset, mid) or 'close'})")
        angle = score.criterion(f"angle:{c.reference_id}")
        if angle is not None and not angle.passed:
            words = _angle_words(c.medial_angle_error_deg, c.cranial_angle_error_deg, mid)
            parts.append(f"{c.angle_error_deg:.0f}° off the reference direction" + (f", {words}" if words else ""))
        if c.needs_antenna and not c.has_antenna:
            parts.append("no antenna in it")
        s = score.safety.get(c.attempt_id)
        if s is not None and s.checked and s.enters_canal:
            parts.append("the needle ENTERS THE SPINAL CANAL")
        shown = names.get(c.attempt_id, c.attempt_name)
        lines.append(f"{label}{f' ({shown})' if shown and shown != label else ''}: " + "; ".join(parts) + ".")
        lines += _path_lines(score.safety.get(c.attempt_id), shown)
    for item_id in score.extra_needles:
        lines.append(f"{names.get(item_id, 'A needle')} has no counterpart in the reference plan.")
    return lines


def _path_lines(safety, needle_name: str) -> list[str]:
    """The needle-path findings (breaches, canal or foramen entry) word for word as the safety panel
    lists them: the same findings of the same rule evaluation, so the two never disagree."""
    if safety is None or not safety.checked:
        return []
    out = []
    for f in safety.findings:
        text = f.message
        if needle_name and text.startswith(needle_name + ": "):
            text = text[len(needle_name) + 2:]
        out.append(f"  Safety panel, {f.severity.value}: {text}")
    return out


def _plan_lines(score: Score) -> list[str]:
    lines, f = [], score.figures
    cov = score.criterion("coverage")
    if cov is not None:
        ref = f.get("reference_coverage_percent", math.nan)
        ref_text = f"; the reference covers {ref:.0f}%" if math.isfinite(ref) else ""
        if math.isnan(cov.value):
            lines.append(f"No predicted zone covers the lesion (at least {cov.limit:.0f}% needed{ref_text}).")
        else:
            verdict = "enough" if cov.passed else f"at least {cov.limit:.0f}% needed"
            lines.append(f"The zones cover {cov.value:.0f}% of the lesion ({verdict}{ref_text}).")
    dist, overlap = score.criterion("canal_distance"), score.criterion("canal_overlap")
    if overlap is not None and math.isfinite(overlap.value) and overlap.value > overlap.limit:
        lines.append(f"The zone reaches the spinal canal ({overlap.value:.2f} mL of canal inside it): "
                     "lower the power or time, or move the antenna away from the posterior wall.")
    elif dist is not None and math.isfinite(dist.value) and not dist.passed:
        lines.append(f"The zone comes within {dist.value:.1f} mm of the spinal canal "
                     f"(at least {dist.limit:.1f} mm wanted).")
    elif dist is not None and math.isfinite(dist.value):
        lines.append(f"The zone stays {dist.value:.1f} mm from the spinal canal.")
    return lines


def _thermocouple_lines(score: Score, names: dict[str, str]) -> list[str]:
    lines = []
    for t in score.thermocouples:
        if t.attempt_id is None:
            lines.append("No thermocouple: the task asks for one by the neural foramen.")
            continue
        crit = score.criterion(f"tc:{t.reference_id}")
        where = offset_words(t.tip_offset) if t.tip_offset else ""
        text = (f"Thermocouple tip within {t.tip_error_mm:.1f} mm of the reference position" if crit and crit.passed
                else f"Thermocouple tip {t.tip_error_mm:.0f} mm from the reference position ({where or 'close'})")
        reading = score.thermocouple_reading.get(t.attempt_id)  # the safety panel's number and model
        if reading is not None and math.isfinite(reading.temperature_c):
            text += f"; {reading.text} there"
        lines.append(text + ".")
    for item_id in score.extra_thermocouples:
        lines.append(f"{names.get(item_id, 'A thermocouple')} has no counterpart in the reference plan.")
    return lines


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def _unscored_breaches(score: Score) -> list[str]:
    """A sentence when the task lets a breach of grade 2 or more pass and the attempt has one (screenshot round of
    issue 19: "PASSED 100/100" beside the safety panel's grade-2 warning taught that such a breach is fine)."""
    graded = [c for c in score.criteria if c.key.startswith("breach:") and not math.isnan(c.value)]
    allowed = [c for c in graded if c.passed and c.value >= 2 and c.limit >= c.value]  # failed: it is in "Missed"
    if not allowed:
        return []
    worst = int(max(c.value for c in allowed))
    return [f"This task does not score breaches up to grade {int(allowed[0].limit)}; the safety panel's grade-{worst} "
            "breach still stands: on a patient, a grade-2 or higher breach is to be avoided (Gertzbein-Robbins)."]


def feedback_lines(score: Score, attempt=None) -> list[str]:
    """The feedback, one sentence per line: verdict, needles, plan figures, thermocouples, time."""
    names = {} if attempt is None else {i.id: i.name for i in attempt}
    verdict = "PASSED" if score.passed else "Not passed yet"
    missed = [c.label for c in score.criteria if not c.passed]
    lines = [f"{verdict}: score {shown_points(score.total)}/100."
             + (f" Missed: {', '.join(missed)}." if missed else "")]
    lines += _unscored_breaches(score)
    lines += _needle_lines(score, names)
    lines += _plan_lines(score)
    lines += _thermocouple_lines(score, names)
    time = score.criterion("time")
    if time is not None:
        limit = f" (limit {_duration(time.limit)})" if not time.passed else ""
        lines.append(f"Time taken: {_duration(score.elapsed_s)}{limit}.")
    return lines
