#!/usr/bin/env bash
# Install the test PACS server (Orthanc, from Debian) used by tests/pacs.
#   bash packaging/install-pacs-server.sh
# The tests start their own Orthanc instance on loopback with a generated configuration; the
# system service that the Debian package sets up is not used (and is not started by this script
# when the machine has no init system running). Needs root or sudo; otherwise it prints what to
# install and exits 0 so a developer machine without root still runs the rest of the suite
# (tests/pacs then skips, except under CI=true or SPINE_PLANNER_REQUIRE_REALDATA=1 where it fails).
set -euo pipefail

if command -v Orthanc >/dev/null 2>&1; then
  echo "Orthanc already installed: $(command -v Orthanc)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: install Orthanc (the 'orthanc' package) with your system's package manager" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "Not root and no sudo: install the Debian package 'orthanc' as root to run tests/pacs" >&2
    exit 0
  fi
fi

echo "Installing the test PACS server (Debian package 'orthanc')"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends orthanc >/dev/null
command -v Orthanc >/dev/null 2>&1 || { echo "Orthanc was not installed" >&2; exit 1; }
echo "Installed: $(Orthanc --version 2>/dev/null | head -1)"
