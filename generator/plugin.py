"""The MkDocs plugin `funnel`: a thin adapter that adds the generated pages to a build."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files

from .pages import WORDS, build_pages
from .problems import format_text
from .validate import check

log = get_plugin_logger(__name__)


class FunnelConfig(Config):
    data_dir = c.Type(str, default="data")
    templates = c.Type(str, default="templates")
    as_of = c.Optional(c.Type(str))
    language = c.Choice(tuple(WORDS), default="en")


class FunnelPlugin(BasePlugin[FunnelConfig]):
    """Checks data/, then generates the funnel's pages; bad data stops the build.

    `funnel build` and `funnel serve` pass their --data and --as-of through the
    environment variables FUNNEL_DATA and FUNNEL_AS_OF, which win over mkdocs.yml.
    """

    def _root(self, config) -> Path:
        return Path(config.config_file_path).parent

    def _data(self) -> str:
        return os.environ.get("FUNNEL_DATA") or self.config.data_dir

    def _as_of(self) -> date:
        value = os.environ.get("FUNNEL_AS_OF") or self.config.as_of
        if not value:
            return date.today()
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise PluginError(f"funnel: as_of {value!r} is not a date (YYYY-MM-DD)") from None

    def on_files(self, files: Files, /, *, config) -> Files:
        root = self._root(config)
        as_of = self._as_of()
        data = self._data()
        result = check(root / data, as_of, display=data)
        errors = [problem for problem in result.problems if problem.severity == "error"]
        for problem in result.problems:
            if problem.severity == "warning":
                log.info(str(problem))
        if errors:
            raise PluginError(
                f"funnel: the data has {len(errors)} error(s); nothing was built:\n"
                + format_text(errors)
            )
        pages = build_pages(
            result.dataset,
            as_of,
            templates=root / self.config.templates,
            language=self.config.language,
        )
        for page in pages:
            existing = files.get_file_from_path(page.path)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, page.path, content=page.markdown))
        return files

    def on_serve(self, server, /, *, config, builder):
        root = self._root(config)
        for folder in (self._data(), self.config.templates):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server
