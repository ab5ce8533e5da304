"""Without a display the app says what to do instead of letting Qt abort (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys

from planner.cli import display_problem


def test_linux_without_display_is_named():
    msg = display_problem({}, "linux", screenshot=False)
    assert msg is not None and msg.startswith("no display") and "xvfb-run" in msg and "--screenshot" in msg


def test_display_wayland_offscreen_screenshot_and_other_systems_are_fine():
    assert display_problem({"DISPLAY": ":0"}, "linux", screenshot=False) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", screenshot=False) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", screenshot=False) is None
    assert display_problem({}, "linux", screenshot=True) is None
    assert display_problem({}, "win32", screenshot=False) is None
    assert display_problem({}, "darwin", screenshot=False) is None
    # xcb asked for explicitly still needs an X server
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux", screenshot=False) is not None


def test_app_exits_with_the_message_and_no_qt_abort():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "planner", "--sample"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "no display: use xvfb-run" in proc.stderr
    assert "Traceback" not in proc.stderr and "qt.qpa" not in proc.stderr


def test_install_script_reads_the_version_without_a_broken_pipe():
    """`--version | head -1` killed Python with BrokenPipeError in install.sh; the script reads the
    whole output now."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "packaging" / "install.sh").read_text()
    assert "--version | head" not in text
