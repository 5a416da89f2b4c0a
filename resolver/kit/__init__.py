"""Tools for providers to test a rule set before it goes live.

:mod:`resolver.kit.lint` finds problems in the rules themselves,
:mod:`resolver.kit.coverage` measures what they capture from a file of Hub
models, and :mod:`resolver.kit.check` checks a table of expected routes.
"""

from __future__ import annotations

__all__: list[str] = []
