"""The words of what slipped per period (the amount whose expected close moved out of a period
during it), in English and Simplified Chinese. They join each language's table in `words.py`."""

from __future__ import annotations

SLIP_EN: dict[str, str] = {}
SLIP_ZH: dict[str, str] = {}
