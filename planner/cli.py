"""Command line.

``spine-planner [PATH] [--sample]`` opens the app; ``spine-planner analyze ...`` (and the other
subcommands) run headless. Only the GUI path imports Qt, and only when it is needed, so headless
commands start fast and work without a display.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Each headless subcommand is a module with ``add_parser(subparsers)`` (setting ``func``).
SUBCOMMANDS = {
    "analyze": "planner.headless.analyze",
    "export": "planner.headless.export",
    "scenario": "planner.headless.scenario",
    "thermal": "planner.headless.thermal",
    "propose": "planner.headless.propose",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spine-planner",
        description="Plan percutaneous thermal ablation of spinal metastases on CT.",
        epilog="Headless commands: 'spine-planner analyze|export|scenario|thermal|propose --help'. "
               "Run 'spine-planner --sample' to open the bundled synthetic sample case.",
    )
    parser.add_argument("path", nargs="?", help="a DICOM folder, or a NIfTI / NRRD volume, to open")
    parser.add_argument("--sample", action="store_true", help="open the bundled synthetic sample case")
    parser.add_argument("--demo-plan", action="store_true",
                        help="with --sample: also open an example bipedicular L2 plan")
    parser.add_argument("--version", action="store_true", help="print the version and licences, then exit")
    parser.add_argument("--self-test", action="store_true",
                        help="headless check: load the sample, analyse the demo plan, render 3D offscreen, exit 0")
    parser.add_argument("--plan", metavar="PLAN.json",
                        help="with a PATH or --sample: open this plan file on the case once it is loaded")
    parser.add_argument(
        "--screenshot", metavar="PNG",
        help="open the window, save a screenshot of it to PNG once the case is ready, and exit",
    )
    return parser


def build_subcommand_parser(command: str) -> argparse.ArgumentParser:
    """The parser of one headless subcommand (only its module is imported)."""
    parser = argparse.ArgumentParser(prog="spine-planner", description="Headless planner commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    importlib.import_module(SUBCOMMANDS[command]).add_parser(sub)
    return parser


def display_problem(environ: dict[str, str], platform: str, screenshot: bool) -> str | None:
    """Why a window cannot open here, in words, or None when it can.

    On Linux, Qt's default ``xcb`` platform needs an X server (``DISPLAY``) or, with Wayland,
    ``WAYLAND_DISPLAY``. Without either Qt aborts with a message naming a plugin package that is in fact
    installed; say what to do instead. ``--screenshot`` needs no screen (it renders offscreen), so
    the caller switches to Qt's ``offscreen`` platform for it.
    """
    if not platform.startswith("linux") or screenshot:
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, minimal, vnc, eglfs ...: Qt needs no display server for these
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display: use xvfb-run (xvfb-run -a spine-planner ...) or --screenshot PNG, "
            "or set QT_QPA_PLATFORM=offscreen")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        args = build_subcommand_parser(argv[0]).parse_args(argv)
        return int(args.func(args))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from planner.about_text import about_text

        print(about_text())
        return 0
    if args.self_test:
        from planner.headless.selftest import run_self_test

        return run_self_test()
    if args.sample and args.path:
        parser.error("give either a PATH or --sample, not both")
    if args.demo_plan and not args.sample:
        parser.error("--demo-plan goes with --sample")
    if args.plan and not (args.path or args.sample):
        parser.error("--plan goes with a PATH or --sample")
    problem = display_problem(dict(os.environ), sys.platform, bool(args.screenshot))
    if problem:
        print(f"spine-planner: {problem}", file=sys.stderr)
        return 2
    if args.screenshot and sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        if not os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from planner.ui.app import run_gui

    return run_gui(path=args.path, sample=args.sample, screenshot=args.screenshot, demo_plan=args.demo_plan,
                   plan=args.plan)


if __name__ == "__main__":
    sys.exit(main())
