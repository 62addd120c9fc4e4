"""The keys of kept pages: what a page's content and the HTML around it are made from.

A page's content is keyed by its path and address, its Markdown, and what every page shares:
the whole configuration (not the output folder), the versions of what renders it and the
plugin's own code. The HTML around it is keyed by the navigation as rendered and the theme's
template folders. See `kept_pages` for how the keys are used.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File
from mkdocs.structure.nav import Link, Navigation, Section

from ..site.memo import folder_hash, installed_versions

FORMAT = 1
DISTRIBUTIONS = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")
OWN_CODE = tuple(sorted(Path(__file__).parent.glob("*.py")))
"""The plugin's code: how it keeps and writes pages is part of every key."""
VOLATILE = {"site_dir", "dev_addr"}
"""Settings that do not reach a page: `funnel build` writes each build to a new folder."""
PLACED = ("config_file_path", "docs_dir")
"""Settings that MkDocs holds as absolute paths: keyed by where they are from the folder of
the configuration, so that another checkout of the same project (a CI runner's, a second
clone) with the caches copied over finds the same pages."""


def digest(*parts: object) -> str:
    """A stable hash of `parts` (strings and bytes as such, anything else by its repr)."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def content_digest(config: Mapping[str, Any]) -> str:
    """What every page's content depends on besides its own Markdown: the configuration
    (its paths from the configuration's folder: see `PLACED`), the versions of what renders
    it, and this package's code."""
    versions = installed_versions(DISTRIBUTIONS)
    settings = {key: value for key, value in config.items() if key not in VOLATILE}
    project = os.path.dirname(str(config.get("config_file_path") or ""))
    for key in PLACED:
        if isinstance(settings.get(key), str) and project:
            settings[key] = Path(os.path.relpath(settings[key], project)).as_posix()
    return digest(
        FORMAT,
        sys.version,
        *versions,
        *(path.read_bytes() for path in OWN_CODE),
        _plain(settings),
    )


def shell_digest(
    config: Mapping[str, Any], nav: Navigation, titles: Mapping[str, str | None] | None = None
) -> str:
    """What a page's output depends on besides its content: the navigation as rendered and
    the theme's templates. `titles`: the titles some pages will have (by their path), when
    the navigation is read before they are converted."""
    theme = config["theme"]
    folders = [folder_digest(Path(folder)) for folder in getattr(theme, "dirs", [])]
    return digest(FORMAT, *folders, _plain(_navigation(nav.items, titles or {})))


def page_key(content: str, file: File, source: str | bytes) -> str:
    """The key of a page's content: what all pages share, its path and address, its Markdown
    (`source`: as text, or as the site packed it)."""
    kind = "packed" if isinstance(source, bytes) else "markdown"
    return digest(content, file.src_uri, file.dest_uri, file.url, kind, source)


def _navigation(items: Iterable[Any], titles: Mapping[str, str | None]) -> list[object]:
    """The navigation as the theme renders it: kinds, titles and addresses, in order."""
    shown: list[object] = []
    for item in items:
        if isinstance(item, Section):
            shown.append(("section", item.title, _navigation(item.children, titles)))
        elif isinstance(item, Link):
            shown.append(("link", item.title, item.url))
        else:
            path = item.file.src_uri
            shown.append(("page", titles.get(path, item.title), item.url, path))
    return shown


def folder_digest(folder: Path) -> str:
    """A theme's folder by the names and bytes of its files: an installed theme's visible
    files (its hidden icon folders, thousands of files, come and go with them), any other
    (a custom_dir, a theme in the project) every file. The same on every machine that has
    the same files, wherever and whenever they were installed (a CI runner installs them
    anew for each run)."""
    resolved = folder.resolve()
    if "site-packages" not in resolved.parts:
        return folder_hash(resolved)
    listing = []
    for path in sorted(_visible_files(resolved)):
        stat = path.stat()
        listing.append((path.relative_to(resolved).as_posix(), stat.st_size, stat.st_mtime_ns))
    return _installed_digest(resolved, tuple(listing))


@functools.lru_cache(maxsize=16)
def _installed_digest(folder: Path, listing: tuple[tuple[str, int, int], ...]) -> str:
    """The digest of an installed theme's visible files (`listing`: their names, sizes and
    times), read once per process while they stay as listed (a rebuild of `funnel serve`, the
    second digest of a build)."""
    parts: list[object] = []
    for name, _, _ in listing:
        parts += [name, (folder / name).read_bytes()]
    return digest(*parts)


def _visible_files(folder: Path) -> Iterable[Path]:
    for entry in os.scandir(folder):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _visible_files(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _plain(value: Any, depth: int = 0) -> object:
    """A setting as plain, stable data: objects by their type and their own settings, code by
    its name (and a hook by its source), never by an address in memory."""
    if depth > 12:
        return type(value).__qualname__
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return sorted((str(key), _plain(item, depth + 1)) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item, depth + 1) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, functools.partial):
        return ("partial", _plain(value.func), _plain(value.args), _plain(value.keywords))
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    source = getattr(value, "__file__", None)
    if isinstance(source, str) and os.path.isfile(source):  # a hook: a module of the project
        return ("module", Path(source).read_bytes().hex())
    settings = getattr(value, "config", None)
    if isinstance(settings, Mapping):  # a plugin
        return (type(value).__qualname__, _plain(settings, depth + 1))
    shown = repr(value)
    return type(value).__qualname__ if " at 0x" in shown else shown
