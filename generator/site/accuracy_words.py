"""The words of the forecast's accuracy per period (the weighted forecast at a period's start
against what was won in it), in English and Simplified Chinese. They join each language's table
in `words.py`."""

from __future__ import annotations

ACCURACY_EN: dict[str, str] = {}
ACCURACY_ZH: dict[str, str] = {}
