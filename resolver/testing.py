"""Route expectations in a provider's own pytest suite.

>>> from resolver import Resolver
>>> from resolver.testing import assert_routes
>>> resolver = Resolver.from_mappings([{
...     "provider": "fal-ai", "type": "tag-filter", "task": "text-to-image",
...     "tags": ["lora"], "providerModel": "fal-ai/lora", "status": "live"}])
>>> assert_routes(resolver, [
...     {"model": "me/my-lora", "tags": ["lora"], "expect": "fal-ai/lora"},
...     {"model": "me/no-lora", "tags": [], "expect": None},
... ])

Each expectation is an object of the ``resolver check`` file format (see
:mod:`resolver.kit.check`), an :class:`~resolver.kit.check.Expectation`, or
the whole list is a path to an expectation file.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any

from resolver.errors import InvalidArgumentError
from resolver.kit.check import (
    Expectation,
    check,
    expectation_from_dict,
    read_expectations,
)
from resolver.model import Model
from resolver.resolver import Resolver

__all__ = ["assert_routes"]


def assert_routes(
    resolver: Resolver,
    expectations: str | Path | Iterable[Expectation | AnyMapping[str, Any]],
    models: Iterable[Model] = (),
) -> None:
    """Check every expectation; raise one AssertionError listing each failure.

    ``models`` are Hub model records from which expectations without ``tags``
    take the model's tags and pipeline tag.

    :raises AssertionError: with every mismatch and its explanation.
    :raises resolver.kit.check.ExpectationError: on a malformed expectation.
    """
    records = list(models)
    if not all(isinstance(record, Model) for record in records):
        raise InvalidArgumentError("models must be resolver.Model records")
    if isinstance(expectations, str | Path):
        table = read_expectations(expectations, records)
    else:
        if isinstance(expectations, AnyMapping) or not isinstance(
            expectations, Iterable
        ):
            raise InvalidArgumentError(
                "expectations must be a path or a list of expectations, "
                f"not {type(expectations).__name__}"
            )
        items = list(expectations)
        for item in items:
            if not isinstance(item, Expectation | AnyMapping):
                raise InvalidArgumentError(
                    f"an expectation must be an object, not {item!r}"
                )
        table = [
            item
            if isinstance(item, Expectation)
            else expectation_from_dict(item, records, where=f"expectation {i}")
            for i, item in enumerate(items)
        ]

    failures = [result for result in check(resolver, table) if not result.passed]
    if failures:
        reports = "\n".join(result.report() for result in failures)
        raise AssertionError(
            f"{len(failures)} of {len(table)} expected routes differ:\n{reports}"
        )
