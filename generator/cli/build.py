"""The build and serve commands over MkDocs: a fresh folder, swapped in only on success."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import click

from ..data.forked import remove_later


class BuildError(Exception):
    """The build failed; the previous site is untouched."""


def _configure(
    config_file: Path | str, data_dir: str, as_of: date, at: date | None = None, **overrides
):
    from mkdocs.config import load_config

    _environment(config_file, data_dir, as_of, at)
    config = load_config(str(config_file), **overrides)
    if "funnel" not in config.plugins:
        raise BuildError(f"{config_file}: add `- funnel` under `plugins:`")
    return config


def _environment(
    config_file: Path | str, data_dir: str, as_of: date, at: date | None = None
) -> None:
    """Hand the command's options to the plugin; SOURCE_DATE_EPOCH pins MkDocs' dates.

    The plugin reads the data folder relative to mkdocs.yml; the command, relative to the
    current folder. FUNNEL_AT (set only with --at) builds the site as it was on that day.
    """
    config_dir = Path(config_file).resolve().parent
    data = os.path.relpath(Path(data_dir).resolve(), config_dir)
    os.environ["FUNNEL_DATA"] = str(Path(data_dir).resolve()) if data.startswith("..") else data
    os.environ["FUNNEL_AS_OF"] = as_of.isoformat()
    if at is None:
        os.environ.pop("FUNNEL_AT", None)
    else:
        os.environ["FUNNEL_AT"] = at.isoformat()
    os.environ["SOURCE_DATE_EPOCH"] = str(
        int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp())
    )


def build_site(
    config_file: Path, site_dir: Path, data_dir: str, as_of: date, at: date | None = None
) -> None:
    """Build into a temporary folder beside `site_dir`, then replace `site_dir` with it; with
    `at`, the site as it was on that day (`as_of` is then that day too)."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    _log_to_stderr()
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    try:
        config = _configure(config_file, data_dir, as_of, at, site_dir=str(fresh))
        # as `mkdocs build` starts its plugins (MkDocs keeps a process's plugins between loads)
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
    except (MkDocsException, BuildError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BuildError(f"build failed ({exc}); the previous site is untouched") from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
        os.rename(site_dir, old / "site")
    os.rename(fresh, site_dir)
    if old is not None:
        if _keep_spare(old / "site", config.plugins["funnel"].spare()):
            old.rmdir()  # emptied: nothing to remove later but what earlier builds left
        leftover = sorted(site_dir.parent.glob(f".{site_dir.name}-old-*"))
        if leftover:
            remove_later(leftover)


def _keep_spare(replaced: Path, spare: Path | None) -> bool:
    """Keep the site just replaced as the spare the next build makes its own (its folders,
    and the pages still the same kept files: see `plugin.links.Recycled`), where there is
    none yet and it is on the same file system: whether it was kept (else it is removed)."""
    if spare is None:
        return False
    try:
        os.rename(replaced, spare)
    except OSError:  # a spare there already, or another file system
        return False
    return True


class _Stderr(logging.Handler):
    """Writes to whatever standard error is at the time (tests replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write one log line to standard error."""
        click.echo(self.format(record), err=True)


def _log_to_stderr(level: int = logging.WARNING) -> None:
    """Show MkDocs' messages from `level` up (the data's problems among them) as plain
    lines. Nothing below it is even made: a build of a team whose data has thousands of
    warnings (told at INFO, for `funnel serve`) made a record of each, to drop it."""
    logger = logging.getLogger("mkdocs")
    handler = next((each for each in logger.handlers if isinstance(each, _Stderr)), None)
    if handler is None:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    handler.setLevel(level)
    logger.setLevel(level)


def serve_site(config_file: str, data_dir: str, as_of: date, dev_addr: str) -> None:
    """Live preview (see `live`): a save shows on its pages at once, the whole site soon."""
    from .live import serve

    _log_to_stderr(logging.INFO)  # "Serving on ...", each answer, the data's warnings
    _environment(config_file, data_dir, as_of)
    serve(config_file, dev_addr)
