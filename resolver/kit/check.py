"""Expected routes, checked against a rule set.

An expectation file is JSON Lines (one object a line) or a JSON list of the
same objects. Each object has:

- ``model`` (required): the Hub model id;
- ``tags`` and ``pipeline_tag`` (optional): the model's tags and pipeline tag;
  when ``tags`` is absent they are taken from the model records given (the
  ``--models`` file), else the model has no tags;
- ``orgs``, ``prefer`` (optional lists): the caller's Hub organisations and
  provider preference order; ``task``, ``provider`` (optional): the request;
- ``expect`` (required): the expected provider model, or ``null`` for "no
  route"; ``expect_provider`` (optional) also pins the provider.

Unknown keys are refused, so a misspelt ``provder`` fails loudly instead of
silently checking something else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from resolver.errors import ResolverError
from resolver.explain import Explanation
from resolver.model import Caller, Model
from resolver.resolver import PUBLIC, Resolver

__all__ = [
    "CheckResult",
    "Expectation",
    "ExpectationError",
    "check",
    "expectation_from_dict",
    "read_expectations",
]

_JSON_LINES_SUFFIXES: Final = frozenset({".jsonl", ".ndjson"})


class ExpectationError(ResolverError, ValueError):
    """An expectation cannot be read; names the source, position and field."""

    def __init__(self, where: str, field: str, message: str) -> None:
        self.where = where
        self.field = field
        shown = f": field {field!r}" if field else ""
        super().__init__(f"{where}{shown}: {message}")


class _Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    model: str
    tags: list[str] | None = None
    pipeline_tag: str | None = None
    orgs: list[str] = []
    prefer: list[str] = []
    task: str | None = None
    provider: str | None = None
    expect: str | None
    expect_provider: str | None = None


@dataclass(frozen=True, slots=True)
class Expectation:
    """One expected route: this model, for this caller and request, goes there.

    ``provider_model`` is ``None`` when no route is expected. ``where`` names
    the expectation's place in its file, for messages.
    """

    model: Model
    provider_model: str | None
    provider: str | None = None
    caller: Caller = PUBLIC
    task: str | None = None
    requested_provider: str | None = None
    where: str = "<memory>"

    def describe(self) -> str:
        if self.provider_model is None:
            target = "no route"
        elif self.provider is not None:
            target = f"{self.provider} {self.provider_model}"
        else:
            target = self.provider_model
        request = [f"{name} {value!r}" for name, value in self._request() if value]
        asked = f" ({', '.join(request)})" if request else ""
        return f"{self.model.id}{asked} -> {target}"

    def _request(self) -> list[tuple[str, Any]]:
        return [
            ("orgs", sorted(self.caller.orgs)),
            ("prefer", list(self.caller.providers)),
            ("task", self.task),
            ("provider", self.requested_provider),
        ]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """An expectation, what the rules answered, and whether they agree."""

    expectation: Expectation
    explanation: Explanation

    @property
    def passed(self) -> bool:
        route = self.explanation.route
        expected = self.expectation
        if route is None or expected.provider_model is None:
            return route is None and expected.provider_model is None
        if expected.provider is not None and route.provider != expected.provider:
            return False
        return route.provider_model == expected.provider_model

    def actual(self) -> str:
        route = self.explanation.route
        if route is None:
            return "no route"
        return f"{route.provider} {route.provider_model}"

    def report(self) -> str:
        """The mismatch and the explanation: every candidate and its reason."""
        lines = [
            f"{self.expectation.where}: expected {self.expectation.describe()}, "
            f"got {self.actual()}"
        ]
        lines.extend(f"  {candidate}" for candidate in self.explanation.candidates)
        if not self.explanation.candidates:
            lines.append("  no mapping names the model or shares a tag with it")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        route = self.explanation.route
        return {
            "where": self.expectation.where,
            "model": self.expectation.model.id,
            "expect": self.expectation.provider_model,
            "expectProvider": self.expectation.provider,
            "passed": self.passed,
            "route": None if route is None else route.to_json(),
            "candidates": [c.to_json() for c in self.explanation.candidates],
        }


def expectation_from_dict(
    data: AnyMapping[str, Any],
    models: Iterable[Model] = (),
    *,
    where: str = "<memory>",
) -> Expectation:
    """Build an expectation from one object of the file format above.

    :raises ExpectationError: on a missing, unknown or mistyped field, or when
        ``models`` are given, ``tags`` are not, and no record has the id.
    """
    return _parse(data, _by_id(models), where)


def _parse(
    data: AnyMapping[str, Any], records: dict[str, Model], where: str
) -> Expectation:
    try:
        row = _Row.model_validate(dict(data))
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in detail["loc"])
        raise ExpectationError(where, field, detail["msg"]) from None
    return _expectation(row, records, where)


def _by_id(models: Iterable[Model]) -> dict[str, Model]:
    return {model.folded_id: model for model in models}


def _expectation(row: _Row, records: dict[str, Model], where: str) -> Expectation:
    if row.tags is not None:
        model = Model(row.model, row.tags, row.pipeline_tag)
    elif records:
        record = records.get(row.model.casefold())
        if record is None:
            raise ExpectationError(
                where, "model", f"no model record with id {row.model!r}"
            )
        pipeline = (
            row.pipeline_tag
            if "pipeline_tag" in row.model_fields_set
            else (record.pipeline_tag)
        )
        model = Model(record.id, record.tags, pipeline, record.siblings)
    else:
        model = Model(row.model, (), row.pipeline_tag)
    return Expectation(
        model=model,
        provider_model=row.expect,
        provider=row.expect_provider,
        caller=Caller(orgs=row.orgs, providers=row.prefer),
        task=row.task,
        requested_provider=row.provider,
        where=where,
    )


def read_expectations(
    path: str | Path, models: Iterable[Model] = ()
) -> list[Expectation]:
    """Read an expectation file (JSON Lines, or a JSON list).

    :raises ExpectationError: naming the file, the line or entry, the field.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ExpectationError(source, "", f"cannot read: {reason}") from None

    rows: list[tuple[str, Any]] = []
    if Path(path).suffix.lower() in _JSON_LINES_SUFFIXES:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{source}: line {number}"
            try:
                rows.append((where, json.loads(line)))
            except json.JSONDecodeError as error:
                raise ExpectationError(
                    where, "", f"invalid JSON: {error.msg}"
                ) from None
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            message = f"invalid JSON at line {error.lineno}: {error.msg}"
            raise ExpectationError(source, "", message) from None
        if not isinstance(document, list):
            raise ExpectationError(source, "", "expected a list of expectations")
        rows = [(f"{source}: entry {i}", data) for i, data in enumerate(document)]

    records = _by_id(models)
    expectations = []
    for where, data in rows:
        if not isinstance(data, dict):
            raise ExpectationError(where, "", "an expectation must be an object")
        expectations.append(_parse(data, records, where))
    return expectations


def check(resolver: Resolver, expectations: Sequence[Expectation]) -> list[CheckResult]:
    """Resolve every expectation; each result says whether it held."""
    return [
        CheckResult(
            expectation,
            resolver.explain(
                expectation.model,
                expectation.caller,
                expectation.task,
                expectation.requested_provider,
            ),
        )
        for expectation in expectations
    ]
