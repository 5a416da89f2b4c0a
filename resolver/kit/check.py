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

from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from resolver._jsonfile import (
    JsonFileError,
    is_json_lines,
    parse_json,
    read_text,
    short_repr,
    split_json_lines,
)
from resolver._schemas import check_name, check_repo_id, check_text, field_path
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


class ExpectationError(ResolverError, ValueError):
    """An expectation cannot be read; names the source, position and field."""

    def __init__(self, where: str, field: str, message: str) -> None:
        self.where = where
        self.field = field
        shown = f": field {field!r}" if field else ""
        super().__init__(f"{where}{shown}: {message}")


RepoId = Annotated[str, AfterValidator(check_repo_id)]
Name = Annotated[str, AfterValidator(check_name)]
Text = Annotated[str, AfterValidator(check_text)]


class _Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    model: RepoId
    tags: list[Text] | None = None
    pipeline_tag: Name | None = None
    orgs: list[Name] = []
    prefer: list[Name] = []
    task: Name | None = None
    provider: Name | None = None
    expect: Text | None
    expect_provider: Name | None = None


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
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] != "missing":
            message += f" (got {short_repr(detail['input'])})"
        raise ExpectationError(where, field_path(detail["loc"]), message) from None
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
    rows: list[tuple[str, Any]]
    try:
        text = read_text(path)
        if is_json_lines(path):
            rows = [
                (f"{source}: line {number}", parse_json(raw, number))
                for number, raw in split_json_lines(text)
            ]
        else:
            document = parse_json(text)
            if not isinstance(document, list):
                raise ExpectationError(source, "", "expected a list of expectations")
            rows = [(f"{source}: entry {i}", data) for i, data in enumerate(document)]
    except JsonFileError as problem:
        where = source if problem.line is None else f"{source}: line {problem.line}"
        raise ExpectationError(where, "", problem.message) from None

    records = _by_id(models)
    expectations = []
    for where, data in rows:
        if not isinstance(data, dict):
            raise ExpectationError(where, "", "an expectation must be an object")
        expectations.append(_parse(data, records, where))
    return expectations


def check(resolver: Resolver, expectations: Sequence[Expectation]) -> list[CheckResult]:
    """Resolve every expectation; each result says whether it held.

    :raises ExpectationError: when an expectation names a provider that no
        mapping and no organisation table knows: a typo would otherwise pass
        as "no route" for ever.
    """
    known = {m.provider for m in resolver.mappings} | set(
        resolver.provider_orgs.as_dict()
    )
    for expectation in expectations:
        for field, name in (
            ("provider", expectation.requested_provider),
            ("expect_provider", expectation.provider),
        ):
            if name is not None and name not in known:
                raise ExpectationError(
                    expectation.where, field, f"unknown provider {name!r}"
                )
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
