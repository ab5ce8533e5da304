#!/usr/bin/env bash
# Build the double-clickable one-folder application with PyInstaller: dist/spine-planner/.
#   bash packaging/build.sh                 build (installs PyInstaller if it is missing), strip, report size
#   bash packaging/build.sh --self-test     ... then run the bundle's headless self-test
#   DIST=/some/dir WORK=/some/tmp bash packaging/build.sh    other output / work folders
# On Windows and macOS run the same spec with pyinstaller (see packaging/windows/ and packaging/macos/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PYTHON="${PYTHON:-python3}"
DIST="${DIST:-$ROOT/dist}"
WORK="${WORK:-$ROOT/build/pyinstaller}"
run_self_test=0
for arg in "$@"; do
  case "$arg" in
    --self-test) run_self_test=1 ;;
    *) echo "usage: bash packaging/build.sh [--self-test]" >&2; exit 2 ;;
  esac
done

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "Installing PyInstaller (the 'package' extra of pyproject.toml)"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "pyinstaller>=6,<7"
fi
"$PYTHON" -c "import planner, vtkmodules, PySide6, SimpleITK" \
  || { echo "Install the planner first: bash packaging/install.sh" >&2; exit 1; }

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/spine-planner.spec
APP="$DIST/spine-planner"

# Strip debug symbols from VTK, SimpleITK and libpython only (about 60 MB). Libraries repaired by
# auditwheel (numpy.libs, scipy.libs, ...) must not be stripped: their patched ELF headers stop loading.
if [ "$(uname -s)" = "Linux" ] && command -v strip >/dev/null 2>&1; then
  { find "$APP/_internal/vtkmodules" "$APP/_internal/SimpleITK" -type f -name "*.so*"
    find "$APP/_internal" -maxdepth 1 -type f -name "libpython3*.so*"; } | xargs -r strip --strip-unneeded
fi

# Linux desktop entry and icon beside the executable (see packaging/linux/README.md to install them).
if [ "$(uname -s)" = "Linux" ]; then
  cp packaging/linux/spine-planner.desktop "$APP/"
  cp resources/icons/spine-planner-256.png "$APP/spine-planner.png"
  cp packaging/linux/install-desktop-entry.sh "$APP/"
fi

size_mb=$(du -sm "$APP" | cut -f1)
echo "Built $APP in $(( $(date +%s) - start )) s: ${size_mb} MB"
if [ "$run_self_test" = 1 ]; then
  QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$APP/spine-planner" --self-test
fi
