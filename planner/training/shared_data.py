"""Where the shared real scans are, and their attribution (``SOURCE.txt``) in words for the task panel.

The scans live outside the project (``../shared/data`` beside it, shared/README.md: never copied in);
``SPINE_PLANNER_SHARED_DATA`` names another folder. A case whose ``series`` is ``shared:<name>`` uses
``<root>/<name>/dicom``; when it is absent the case is listed as unavailable, with the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from planner.core.resources import shared_data_dir

ENV = "SPINE_PLANNER_SHARED_DATA"
PREFIX = "shared:"


def shared_data_root() -> Path | None:
    """The folder holding the shared scans: ``$SPINE_PLANNER_SHARED_DATA`` when set, else
    ``../shared/data`` beside the project; None when neither exists."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env) if Path(env).is_dir() else None
    return shared_data_dir()


@dataclass(frozen=True)
class SeriesLocation:
    """Where a case's series is: ``path`` (None when unavailable, ``reason`` says why in words) and the
    data set's attribution (empty for the bundled synthetic sample)."""

    path: Path | None
    reason: str = ""
    attribution: "Attribution | None" = None

    @property
    def available(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Attribution:
    """What SOURCE.txt says: the scan in one line, its origin, its licence and how to cite it."""

    summary: str
    origin: str
    license: str
    citation: str

    def short(self) -> str:
        """Where the scan comes from (its origin's first three comma-separated parts: archive, collection,
        subject) and its licence, for the training panel's line; :meth:`text`, with the citation, in its tooltip."""
        origin = ", ".join(self.origin.split(". ")[0].split(", ")[:3]).rstrip(".")
        licence = f"License: {self.license.rstrip('.')}." if self.license else ""
        parts = (f"{origin}." if origin else self.summary, licence)
        return " ".join(x for x in parts if x)

    def text(self) -> str:
        return "\n".join(x for x in (self.summary, f"Origin: {self.origin}" if self.origin else "",
                                     f"License: {self.license}" if self.license else "",
                                     f"Cite: {self.citation}" if self.citation else "") if x)


_KEY = re.compile(r"^([A-Z][A-Za-z ]{1,20}):\s*(.*)$")


def _paragraphs(text: str) -> tuple[str, dict[str, list[str]]]:
    """(first paragraph, {key: lines}) of a SOURCE.txt: a line "Key: ..." at the margin starts a key;
    the lines after it, up to the next key or blank line, belong to it."""
    summary: list[str] = []
    keys: dict[str, list[str]] = {}
    current: list[str] | None = summary
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("SHA256SUMS"):  # the checksum note is not attribution
            current = None
            continue
        m = _KEY.match(raw)
        if m and not raw.startswith(" "):
            current = keys.setdefault(m.group(1).strip(), [])
            current.append(m.group(2).strip())
        elif current is not None:
            current.append(raw)
    return " ".join(s.strip() for s in summary), keys


def read_attribution(source_txt) -> Attribution:
    """Parse a data set's SOURCE.txt (format of ``../shared/data/*/SOURCE.txt``): the licence is the
    ``License:`` paragraph's first sentence group, the citation its indented lines or the ``Cite:``
    paragraph."""
    text = Path(source_txt).read_text(encoding="utf-8", errors="replace")
    summary, keys = _paragraphs(text)
    license_lines = keys.get("License", [])
    plain = [s.strip() for s in license_lines if not s.startswith(" ")]
    indented = [s.strip() for s in license_lines if s.startswith(" ")]
    licence = " ".join(plain)
    licence = re.split(r"\s*Attribution: see \S+", licence)[0].strip()
    cite = " ".join(s.strip() for s in keys.get("Cite", [])) or " ".join(indented)
    origin = " ".join(s.strip() for s in keys.get("Origin", []))
    return Attribution(summary, origin, licence, cite)


def locate_series(series: str, case_folder: Path | None = None, root: Path | None = None) -> SeriesLocation:
    """Resolve a case's ``series`` field: ``shared:<name>`` under the shared data root; another value is a
    path (relative to the case folder)."""
    if series.startswith(PREFIX):
        name = series[len(PREFIX):]
        root = root if root is not None else shared_data_root()
        if root is None:
            return SeriesLocation(None, f"the shared scans are not here (../shared/data beside the project, or set "
                                        f"{ENV}); '{name}' is needed")
        folder = Path(root) / name
        attribution = read_attribution(folder / "SOURCE.txt") if (folder / "SOURCE.txt").is_file() else None
        if not (folder / "dicom").is_dir():
            return SeriesLocation(None, f"the scan '{name}' is not in {root}", attribution)
        if attribution is None:
            return SeriesLocation(None, f"{folder / 'SOURCE.txt'} is missing: the scan's attribution must be shown")
        return SeriesLocation(folder / "dicom", "", attribution)
    path = Path(series)
    if not path.is_absolute() and case_folder is not None:
        path = Path(case_folder) / path
    return SeriesLocation(path, "") if path.exists() else SeriesLocation(None, f"the series folder {path} does not exist")
