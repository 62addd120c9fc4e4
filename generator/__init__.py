"""funnel: the sales funnel as code.

Data flows one way: files -> load -> validate -> model -> history -> analytics -> pages -> site.
"""

from __future__ import annotations

__version__ = "0.1.0"
