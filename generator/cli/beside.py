"""The whole build beside `funnel serve`'s preview: a second process at lower priority that
builds the site into a new folder, stopped (SIGINT) whenever a new save makes it stale.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config


def reap(process: subprocess.Popen[bytes], target: Path) -> None:
    """Wait for a stopped build to exit (killed after 10 s), then remove its folder."""
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(target, ignore_errors=True)


def tell_when_done(process: subprocess.Popen[bytes], done: Path, stopped: threading.Event) -> None:
    """Wait for the build beside; then, unless it was stopped, write a file the server
    watches (it calls the builder, which serves the new site, and browsers reload)."""
    process.wait()
    if stopped.is_set():
        return
    with contextlib.suppress(OSError):
        done.write_text(str(process.returncode), encoding="utf-8")


def interrupted(exc: BaseException | None) -> bool:
    """Whether an exception is Ctrl-C's, even wrapped: Python 3.11 raises a RuntimeError
    from a KeyboardInterrupt that lands while a class is being made (`__set_name__`)."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def build_beside(config_file: str, site_dir: str, site_url: str) -> None:
    """The whole build of the second process: the site as the preview serves it. Stopped
    (SIGINT), it exits quietly: its caches are written whole or not at all."""
    try:
        config = load_config(config_file, site_dir=site_dir)
        config.site_url = site_url
        config.plugins.on_startup(command="build", dirty=False)
        build(config, serve_url=site_url)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the preview keeps what it serves; say why
        if interrupted(exc):
            sys.exit(130)
        print(f"funnel: the whole build beside the preview failed: {exc}", file=sys.stderr)
        sys.exit(1)


BESIDE = f"""
import os, signal
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
os.nice(10)  # the preview's first answers to saves come first
try:
    from {__name__} import build_beside
    import sys
    build_beside(*sys.argv[1:4])
except BaseException as exc:  # stopped while starting, maybe inside a class being made
    chain = exc
    while chain is not None and not isinstance(chain, KeyboardInterrupt):
        chain = chain.__cause__ or chain.__context__
    if chain is None:
        raise
    raise SystemExit(130) from None
"""
"""The second process's program: stopped at any moment, it says nothing."""
