"""Embedded, Unicode-capable fonts for the PDF report (reportlab TrueType, subset-embedded).

The report's text is set in DejaVu Sans (Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic
and the arrows, set and comparison signs the report uses); characters DejaVu lacks (Chinese,
Japanese, Korean names) are set in Droid Sans Fallback when it is installed. Both are found in the
Debian packages ``fonts-dejavu-core`` and ``fonts-droid-fallback`` (``packaging/install.sh`` installs
them) or, for DejaVu, in matplotlib's bundled fonts (``matplotlib/mpl-data/fonts/ttf``, a PyPI
package the VTK wheel already pulls in); ``SPINE_PLANNER_FONT_DIR`` may name another folder.

Without any of them the report falls back to the PDF base font Helvetica (WinAnsi): then characters
outside Windows-1252 cannot be printed, and the report says so on its first page.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

SANS, BOLD, FALLBACK = "PlannerSans", "PlannerSans-Bold", "PlannerFallback"
_GLYPHS = {"→": "->", "←": "<-", "↔": "<->", "∩": " and ", "≥": ">=", "≤": "<=", "≈": "~", "…": "...",
           "–": "-", "‑": "-", "−": "-", "✓": "ok", "•": "-", "×": "x"}


def _font_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("SPINE_PLANNER_FONT_DIR"):
        dirs.append(Path(os.environ["SPINE_PLANNER_FONT_DIR"]))
    dirs += [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/share/fonts/truetype/droid"), Path("/usr/share/fonts-droid-fallback/truetype")]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def _find(name: str) -> Path | None:
    for folder in _font_dirs():
        if (folder / name).is_file():
            return folder / name
    return None


@dataclass(frozen=True)
class ReportFonts:
    """Font names to use in reportlab styles and whether they can print any Unicode text."""

    regular: str
    bold: str
    unicode: bool
    fallback: str | None = None

    def text(self, value) -> str:
        """Text safe for a reportlab Paragraph: XML-escaped; characters the main font lacks set in the
        fallback font; with Helvetica only, characters outside Windows-1252 spelt out or replaced."""
        text = str(value)
        if not self.unicode:
            text = "".join(_GLYPHS.get(ch, ch) for ch in text)
            return escape(text.encode("cp1252", errors="replace").decode("cp1252"))
        covered = _covered(self.regular)
        out, run = [], []
        for ch in text:
            if ch in "\n\t" or ord(ch) in covered or self.fallback is None:
                if run:
                    out.append(f'<font name="{self.fallback}">{escape("".join(run))}</font>')
                    run = []
                out.append(escape(ch))
            else:
                run.append(ch)
        if run:
            out.append(f'<font name="{self.fallback}">{escape("".join(run))}</font>')
        return "".join(out)

    def canvas_runs(self, text: str) -> list[tuple[str, str]]:
        """(font name, text) runs for drawing a line straight on the canvas (page headers)."""
        if not self.unicode:
            return [(self.regular, "".join(_GLYPHS.get(c, c) for c in text).encode("cp1252", "replace").decode("cp1252"))]
        covered = _covered(self.regular)
        runs: list[tuple[str, str]] = []
        for ch in text:
            font = self.regular if (ord(ch) in covered or self.fallback is None) else self.fallback
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + ch)
            else:
                runs.append((font, ch))
        return runs


@lru_cache(maxsize=None)
def _covered(font_name: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    mapping = getattr(face, "charToGlyph", None)
    return frozenset(mapping) if mapping else frozenset(range(32, 256))


@lru_cache(maxsize=1)
def report_fonts() -> ReportFonts:
    """Register the fonts with reportlab once and say which to use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf")
    if regular is None or bold is None:
        return ReportFonts("Helvetica", "Helvetica-Bold", False)
    pdfmetrics.registerFont(TTFont(SANS, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=BOLD, italic=SANS, boldItalic=BOLD)
    fallback_path = _find("DroidSansFallbackFull.ttf") or _find("DroidSansFallback.ttf")
    fallback = None
    if fallback_path is not None:
        pdfmetrics.registerFont(TTFont(FALLBACK, str(fallback_path)))
        fallback = FALLBACK
    return ReportFonts(SANS, BOLD, True, fallback)
