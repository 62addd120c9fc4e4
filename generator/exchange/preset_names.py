"""The CRMs `funnel import --preset` knows, by name (their mappings are in `presets`): a module
of its own, so that the command line lists them without loading the models."""

from __future__ import annotations

PRESETS = ("salesforce", "hubspot", "pipedrive")
