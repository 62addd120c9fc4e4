"""The MkDocs plugin: a thin adapter that watches the data and the templates."""

from __future__ import annotations

from pathlib import Path

from generator.plugin import FunnelPlugin

ROOT = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str) -> None:
        self.watched.append(path)


class Config(dict):
    config_file_path = str(ROOT / "mkdocs.yml")


def test_serve_reloads_on_data_and_template_changes(monkeypatch):
    monkeypatch.delenv("FUNNEL_DATA", raising=False)
    plugin = FunnelPlugin()
    plugin.load_config({"data_dir": "data", "templates": "templates"})
    server = Server()
    plugin.on_serve(server, config=Config(), builder=None)
    assert sorted(server.watched) == [str(ROOT / "data"), str(ROOT / "templates")]


def test_plugin_options_are_typed():
    plugin = FunnelPlugin()
    errors, _ = plugin.load_config({"language": "fr"})
    assert errors and "language" in errors[0][0]
