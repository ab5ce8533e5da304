#!/usr/bin/env bash
# Add the bundle to the desktop's application menu for the current user (no root needed):
#   bash install-desktop-entry.sh            run from the unpacked dist/spine-planner/ folder
#   bash install-desktop-entry.sh --remove   take it out again
# Writes ~/.local/share/applications/spine-planner.desktop with the absolute path of this folder's
# executable and installs the icon into ~/.local/share/icons/hicolor/.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/spine-planner.desktop"
ICON_DIR="$DATA/icons/hicolor/256x256/apps"

if [ "${1:-}" = "--remove" ]; then
  rm -f "$ENTRY" "$ICON_DIR/spine-planner.png"
  echo "Removed $ENTRY"
  exit 0
fi
[ -x "$HERE/spine-planner" ] || { echo "Run this script from the spine-planner folder" >&2; exit 1; }
mkdir -p "$DATA/applications" "$ICON_DIR"
cp "$HERE/spine-planner.png" "$ICON_DIR/spine-planner.png"
sed -e "s|^Exec=.*|Exec=\"$HERE/spine-planner\" %f|" -e "s|^Icon=.*|Icon=$ICON_DIR/spine-planner.png|" \
  "$HERE/spine-planner.desktop" > "$ENTRY"
chmod +x "$ENTRY"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$DATA/applications" || true
echo "Installed $ENTRY"
