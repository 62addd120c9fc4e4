"""`funnel serve`: the live preview, which shows a saved deal at once and the whole site soon
(built beside it: see `beside`).

MkDocs' own preview builds the whole site again after each save and holds every request until
it is done: minutes at 10,000 deals. Here a save is answered in two steps:

1. At once, in this process: the data is checked again (unchanged files come from the parse
   cache), and the pages that show what changed (the deal's, its account's, its owner's and
   its territory's, the home page and the forecast; see `site.preview`) are made with the
   setup of the last whole build and written over their old files.
2. Beside it, in a second process: the whole site is built into a new folder, which then
   takes the served folder's place in one step (the served folder is a symbolic link), and
   browsers reload. A save during that build stops it and starts another.

Data with errors changes no file: the server puts the errors on top of every page it serves
until they are mended, and the last good site stays browsable. A change of `mkdocs.yml`,
`docs/`, the templates or the theme, or a save that changes the funnel, the team, targets or
handovers, is answered by a whole build (the first in this process, blocking as MkDocs does).
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import watchdog.events
import watchdog.observers
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer

from ..data.problems import format_text
from .beside import BESIDE, reap, tell_when_done

log = logging.getLogger("mkdocs.commands.serve")


class LiveServer(LiveReloadServer):
    """MkDocs' preview server, told of changes by the system's file events (inotify) instead
    of a scan of every file each half second, and putting the data's errors on top of every
    page while there are any."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observer = _ChangesObserver(timeout=0.1)
        self.refused: list[Any] = []
        self.plugin: Any = None

    def serve_request(self, environ: Any, start_response: Any) -> Any:
        """The file as MkDocs serves it; an HTML page with the data's errors on top."""
        refused, plugin = self.refused, self.plugin
        if not refused or plugin is None:
            return super().serve_request(environ, start_response)
        answer: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *info: Any) -> None:
            answer.update(status=status, headers=headers)

        body = b"".join(super().serve_request(environ, keep))
        headers = answer["headers"]
        if dict(headers).get("Content-Type", "").startswith("text/html"):
            body = plugin.refusal(body.decode("utf-8"), refused).encode("utf-8")
            headers = [(k, v) for k, v in headers if k != "Content-Length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(answer["status"], headers)
        return [body]


CHANGES: list[type[watchdog.events.FileSystemEvent]] = [
    watchdog.events.FileCreatedEvent,
    watchdog.events.FileModifiedEvent,
    watchdog.events.FileMovedEvent,
    watchdog.events.FileDeletedEvent,
    watchdog.events.FileClosedEvent,
]
"""The file events that change content (reading a file is an event too: not one of these)."""


class _ChangesObserver(watchdog.observers.Observer):  # type: ignore[misc,valid-type]
    """The system's file events, only those that change a file."""

    def schedule(self, handler: Any, path: Any, **options: Any) -> Any:
        """Watch `path`, told only of changes."""
        return super().schedule(handler, path, **{**options, "event_filter": CHANGES})


class LivePreview:
    """The builder the server calls after changes (one call at a time): the served folder,
    the whole builds and the first answers."""

    def __init__(self, config_file: str, folder: Path) -> None:
        self.config_file, self.folder = config_file, folder
        self.link = folder / "site"
        """What the server serves: a link to the current build's folder."""
        self.current: Path | None = None
        self.serial = 0
        self.server: LiveServer | None = None
        self.plugin: Any = None
        self.config: Any = None
        self.beside: tuple[subprocess.Popen[bytes], Path] | None = None
        self.signals = folder / "signals"
        self.signals.mkdir()
        self.settings: dict[str, tuple[int, int]] = {}
        self.saved = threading.Event()
        """Set when a file of the data changes (the server's file events)."""
        self.lock = threading.Lock()
        self.changed: set[str] | None = None
        """The data's files that changed since the last answer; None: any may have."""
        self.noticed: float | None = None
        """When the first file event since the last answer came (monotonic clock)."""
        self.since: float | None = None
        """When the first file event that the answer being made answers came."""
        self.stopped = threading.Event()

    def __call__(self) -> None:
        """Answer what changed since the last call."""
        self._take_finished()
        if self.plugin is None or self.plugin.preview is None or self._settings_changed():
            self.build_here()
            return
        if not self.saved.is_set():
            return  # the build beside is done: nothing else changed
        self.saved.clear()
        try:
            self._answer()
        except Exception:
            log.exception("funnel: the preview could not answer at once; building the site")
            self.build_here()

    def build_here(self) -> None:
        """A whole build in this process, into a new folder that is then served. When it
        fails after the first (a template's mistake, say), the last site stays served and
        the next change tries again."""
        self._stop_beside()
        gc.unfreeze()  # what the last whole build left may be collected now
        target = self._new_folder()
        try:
            self._build_into(target)
        except Exception as exc:
            shutil.rmtree(target, ignore_errors=True)
            if self.current is None:
                raise
            log.error(
                f"funnel: the site could not be built ({exc}); the preview shows the last one "
                "until a change mends it"
            )
            return
        self._serve(target)
        self.settings = self._read_settings()
        server, plugin = self.server, self.plugin
        assert server is not None
        server.refused = list(plugin.refused)
        if plugin.preview is not None and not plugin.refused:
            self._take_changes()  # what changed until now is in the build's data
            server.refused = list(plugin.preview.answer(time.time_ns()).errors)  # the data kept
        gc.collect()
        gc.freeze()  # the build's pages and the data stay: answers never scan them for garbage

    def _build_into(self, target: Path) -> None:
        server = self.server
        assert server is not None
        config = load_config(self.config_file, site_dir=str(target))
        config.site_url = server.url
        plugin: Any = config.plugins["funnel"]
        if plugin is not self.plugin:  # the first build, or mkdocs.yml changed the plugin
            plugin.live = True
            config.plugins.on_startup(command="serve", dirty=False)
        self.config, self.plugin = config, plugin
        server.plugin = plugin
        build(config, serve_url=server.url)

    def _answer(self) -> None:
        """Show at once the pages that the saved data changed; build the rest beside."""
        server = self.server
        assert server is not None and self.current is not None
        started = time.monotonic()
        answer = self.plugin.preview.answer(time.time_ns(), self._take_changes())
        answered = time.monotonic()
        if answer.errors:
            self._stop_beside()
            server.refused = list(answer.errors)
            log.info(
                f"funnel: the data has {len(answer.errors)} error(s), shown on top of every "
                f"page; the pages keep the last good data:\n{format_text(answer.errors)}"
            )
            return
        was_refused, server.refused = bool(server.refused), []
        if answer.pages:
            shown = self.plugin.show(answer.pages, self.current)
            log.info(
                f"funnel: shown in {self._took(started)} (the data and the "
                f"pages' Markdown {answered - started:.2f} s): {', '.join(shown)}; "
                "the whole site follows"
            )
        if answer.pages or answer.whole or was_refused:
            self._start_beside()

    def _start_beside(self) -> None:
        """Build the whole site in a second process (stopping one already running)."""
        self._stop_beside()
        server = self.server
        assert server is not None
        target = self._new_folder()
        done = self.signals / f"done-{self.serial}"
        process = subprocess.Popen(
            [sys.executable, "-c", BESIDE, self.config_file, str(target), server.url],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal stops the server, which stops it
        )
        self.beside = (process, target)
        self.stopped = threading.Event()
        threading.Thread(
            target=tell_when_done, args=(process, done, self.stopped), daemon=True
        ).start()

    def _take_finished(self) -> None:
        """Serve the whole build made beside, once it is done."""
        if self.beside is None:
            return
        process, target = self.beside
        code = process.poll()
        if code is None:
            return
        self.beside = None
        if code == 0:
            self._serve(target)
            log.info("funnel: the whole site is up to date")
        else:
            shutil.rmtree(target, ignore_errors=True)

    def _stop_beside(self, wait: bool = False) -> None:
        """Stop the build beside; its folder is removed once it has exited (in a thread
        unless `wait`: the next answer need not wait for it)."""
        if self.beside is None:
            return
        process, target = self.beside
        self.beside = None
        self.stopped.set()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # its caches are written whole or not at all
        if wait:
            reap(process, target)
        else:
            threading.Thread(target=reap, args=(process, target), daemon=True).start()

    def _new_folder(self) -> Path:
        self.serial += 1
        return self.folder / f"build-{self.serial}"

    def _serve(self, target: Path) -> None:
        """Serve `target` from now on (the link is replaced in one step); forget the last."""
        link = self.folder / f"site-{self.serial}.link"
        os.symlink(target, link)
        os.replace(link, self.link)
        old, self.current = self.current, target
        if old is not None and old != target:  # a request may still be reading it
            threading.Thread(target=shutil.rmtree, args=(old, True), daemon=True).start()

    def watched_settings(self) -> list[Path]:
        """What is not data but shapes every page: mkdocs.yml, docs/, the templates and a
        project's theme folder."""
        config, plugin = self.config, self.plugin
        root = Path(config.config_file_path).parent
        paths = [Path(config.config_file_path), Path(config.docs_dir)]
        paths.append(root / plugin.config.templates)
        custom = config.theme.custom_dir
        return paths + ([Path(custom)] if custom else [])

    def _read_settings(self) -> dict[str, tuple[int, int]]:
        found = {}
        for path in self.watched_settings():
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                stat = file.stat()
                found[str(file)] = (stat.st_mtime_ns, stat.st_size)
        return found

    def _settings_changed(self) -> bool:
        return self._read_settings() != self.settings

    def note_saves(self, data: Path) -> None:
        """Learn of every change under the data folder from the server's file events."""
        server = self.server
        assert server is not None
        saved, note = self.saved, self._note_change

        class Saves(watchdog.events.FileSystemEventHandler):
            def on_any_event(self, event: watchdog.events.FileSystemEvent) -> None:
                note(event)
                saved.set()

        handler = Saves()
        server.observer.schedule(handler, str(data), recursive=True)

    def _note_change(self, event: watchdog.events.FileSystemEvent) -> None:
        """Note the paths a file event names; a folder's event means every file is looked
        at again (a folder moved in brings files that have no event of their own)."""
        with self.lock:
            self.noticed = self.noticed or time.monotonic()
            if event.is_directory or self.changed is None:
                self.changed = None
                return
            self.changed.add(os.fsdecode(event.src_path))
            if event.dest_path:
                self.changed.add(os.fsdecode(event.dest_path))

    def _take_changes(self) -> set[str] | None:
        """The paths changed since the last call (None: any may have), forgotten."""
        with self.lock:
            changed, self.changed = self.changed, set()
            self.since, self.noticed = self.noticed, None
        return changed

    def _took(self, started: float) -> str:
        """How long the answer took, and since the first file event it answers."""
        now = time.monotonic()
        since = f", {now - self.since:.2f} s since the save" if self.since else ""
        return f"{now - started:.2f} s{since}"

    def close(self) -> None:
        """Stop the build beside and remove every folder made."""
        self._stop_beside(wait=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def serve(config_file: str, dev_addr: str) -> None:
    """Serve the site at `dev_addr` and answer every save, until interrupted."""
    folder = Path(tempfile.mkdtemp(prefix="funnel-serve-"))
    live = LivePreview(config_file, folder)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a signal: clean up as for Ctrl-C
    try:
        config = load_config(config_file, dev_addr=dev_addr)
        host, port = config.dev_addr
        mount = urlsplit(config.site_url or "/").path
        server = LiveServer(live, host, port, str(live.link), mount_path=mount)
        live.server = server
        server.error_handler = lambda code: _error_page(live.link, code)
        live.build_here()
        for path in [*live.watched_settings(), live.signals]:
            if path.exists():
                server.watch(str(path))
        live.config.plugins.on_serve(server, config=live.config, builder=live)
        if live.plugin.preview is not None:
            live.note_saves(live.plugin.preview.data)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        if live.config is not None:
            live.config.plugins.on_shutdown()
        live.close()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _error_page(site: Path, code: int) -> bytes | None:
    page = site / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None
