#!/usr/bin/env bash
# Install the planner and what it needs on a Debian/Ubuntu machine.
#   bash packaging/install.sh          the app (system libraries for Qt/VTK + the Python package)
#   bash packaging/install.sh --test   the same plus the test tools (pytest, pytest-qt, ...)
# System libraries are installed with apt-get when run as root or with sudo; elsewhere they are
# listed so you can install them yourself. The Python package is installed editable with pip.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) extras="[test]"; with_tests=1 ;;
    *) echo "usage: bash packaging/install.sh [--test]" >&2; exit 2 ;;
  esac
done

# Qt (offscreen and xcb platforms), Mesa software OpenGL/EGL for VTK, and Xvfb (HEADLESS.md).
DEBS=(libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
      xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
      libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 libxrender1 libxi6
      fonts-dejavu-core fonts-droid-fallback)
# Fonts: the PDF report embeds DejaVu Sans (Latin, Greek, Cyrillic, ...) and Droid Sans Fallback (CJK names).
# Test tools: dciodvfy (DICOM IOD validator) for the exports' validity tests; pdftoppm/pdftotext.
[ "$with_tests" = 1 ] && DEBS+=(dicom3tools poppler-utils)

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != "0" ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "Missing system packages (install them as root): ${missing[*]}" >&2; sudo="skip"; fi
    fi
    if [ "$sudo" != "skip" ]; then
      echo "Installing system packages: ${missing[*]}"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  fi
fi

# The test PACS server (Orthanc) for tests/pacs.
[ "$with_tests" = 1 ] && bash packaging/install-pacs-server.sh

PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --editable ".${extras}"
# Read the whole output first: piping into `head -1` closed the pipe early and Python died with a
# BrokenPipeError traceback while printing the licences.
version_text="$("$PYTHON" -m planner --version)"
echo "Installed: ${version_text%%$'\n'*}"
