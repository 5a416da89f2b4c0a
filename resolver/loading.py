"""Reading mappings in every shape the Hub and providers write them.

Four shapes reach a client (see ``docs/routing.md``): registration bodies,
the list form of a model's ``inferenceProviderMapping``, the dict form the Hub
returns from model info, and a provider's partner listing grouped by task.
A :class:`MappingLoader` takes any mix of them from any number of sources,
validates each entry, merges the same mapping seen twice, refuses two
single-model mappings that disagree, and reports every problem at once, each
with its source, position and field.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from resolver._jsonfile import (
    JsonFileError,
    is_json_lines,
    parse_json,
    read_text,
    short_repr,
    split_json_lines,
)
from resolver._schemas import (
    HubValueSchema,
    ListEntrySchema,
    RegistrationSchema,
    check_name,
    check_repo_id,
    check_text,
    field_path,
)
from resolver.errors import MappingError, MappingProblem, describe_location
from resolver.mapping import ADAPTER_LORA, Kind, Mapping, Status

__all__ = ["LoadResult", "MappingLoader", "Merge", "load_entries", "load_files"]

logger = logging.getLogger(__name__)

TAG_FILTER_KEY_PREFIX: Final = "tag-filter="
_SINGLE_MODEL_TYPES: Final = frozenset({"single-model", "single-file"})
_STATUSES: Final = frozenset(get_args(Status))

_S = TypeVar("_S", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Merge:
    """An entry that repeated a mapping already kept, and was merged into it."""

    kept: Mapping
    source: str
    entry: int | None
    line: int | None

    @property
    def location(self) -> str:
        return describe_location(self.source, self.entry, self.line)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a load produced: the mappings kept, the entries refused, and the
    entries merged into an earlier identical mapping."""

    mappings: tuple[Mapping, ...]
    problems: tuple[MappingProblem, ...]
    provider_orgs: dict[str, str]
    merged: tuple[Merge, ...] = ()


@dataclass(frozen=True, slots=True)
class _Where:
    source: str
    entry: int | None
    line: int | None
    prefix: str = ""

    def problem(self, field: str, message: str) -> MappingProblem:
        path = ".".join(part for part in (self.prefix, field) if part)
        return MappingProblem(self.source, self.entry, path, message, self.line)

    def nested(self, part: str) -> _Where:
        prefix = f"{self.prefix}.{part}" if self.prefix else part
        return replace(self, prefix=prefix)


@dataclass(slots=True)
class _Kept:
    mapping: Mapping
    # A missing status defaults to staging; another source stating the status
    # of the same mapping explicitly is more informative and wins.
    status_given: bool


def _validate(schema: type[_S], data: Any, where: _Where) -> _S | list[MappingProblem]:
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            # Our own validators raise ValueError; pydantic prefixes the text.
            message = detail["msg"].removeprefix("Value error, ")
            shown = short_repr(detail["input"])
            if detail["type"] != "missing" and shown not in message:
                message += f" (got {shown})"
            problems.append(where.problem(field_path(detail["loc"]), message))
        return problems


def _text_problem(
    value: Any, where: _Where, field: str, *, name: bool = False
) -> MappingProblem | None:
    """Check text that comes from a key around a value, not from a schema;
    ``name`` for provider and task names, which take no surrounding spaces."""
    if not isinstance(value, str):
        return where.problem(field, f"must be a string (got {short_repr(value)})")
    try:
        (check_name if name else check_text)(value)
    except ValueError as error:
        return where.problem(field, f"{error} (got {short_repr(value)})")
    return None


def _model_id_problem(
    model_id: Any, where: _Where, field: str
) -> MappingProblem | None:
    problem = _text_problem(model_id, where, field)
    if problem is not None:
        return problem
    try:
        check_repo_id(model_id)
    except ValueError as error:
        return where.problem(field, str(error))
    return None


class MappingLoader:
    """Collects mappings from several sources into one consistent set.

    Nothing is refused silently: every entry that cannot be right becomes a
    :class:`MappingProblem`. :meth:`finish` either returns everything that was
    kept (lenient) or raises one :class:`MappingError` with all problems
    (strict), so a strict load succeeds whole or not at all.
    """

    def __init__(self) -> None:
        self._kept: list[_Kept] = []
        self._problems: list[MappingProblem] = []
        self._merged: list[Merge] = []
        self._single_index: dict[tuple[str, str, str], int] = {}
        self._provider_orgs: dict[str, str] = {}

    # -- sources -----------------------------------------------------------

    def add_file(
        self, path: str | Path, *, listing_provider: str | None = None
    ) -> None:
        """Read a rules file: JSON (a list, an object with ``mappings``, a model
        info response or a partner listing) or JSON Lines (one entry a line)."""
        source = str(path)
        try:
            text = read_text(path)
            if is_json_lines(path):
                self._add_json_lines(text, source)
                return
            document = parse_json(text)
        except JsonFileError as problem:
            where = _Where(source, None, problem.line)
            self._problems.append(where.problem("", problem.message))
            return
        self.add_document(document, source=source, listing_provider=listing_provider)

    def add_document(
        self, document: Any, *, source: str, listing_provider: str | None = None
    ) -> None:
        """Add a parsed JSON document in any of the file shapes of :meth:`add_file`."""
        if isinstance(document, list):
            self.add_entries(document, source=source)
        elif isinstance(document, dict) and "mappings" in document:
            self._add_rules_object(document, source)
        elif isinstance(document, dict) and "inferenceProviderMapping" in document:
            self._add_entry(document, _Where(source, None, None))
        elif isinstance(document, dict) and listing_provider is not None:
            self.add_partner_listing(listing_provider, document, source=source)
        else:
            message = (
                "expected a list of mappings, an object with 'mappings', a model "
                "info response, or a partner listing with its provider named"
            )
            self._problems.append(MappingProblem(source, None, "", message))

    def add_entries(self, entries: Iterable[Any], *, source: str = "<memory>") -> None:
        """Add registration bodies, list entries, model info responses, or
        :class:`Mapping` objects (checked, and their status taken as given)."""
        for position, data in enumerate(entries):
            if isinstance(data, Mapping):
                self._add_mapping(data)
            else:
                self._add_entry(data, _Where(source, position, None))

    def add_model_info(
        self,
        model_id: str,
        body: Any,
        *,
        source: str = "<memory>",
        entry: int = 0,
        line: int | None = None,
    ) -> None:
        """Add a model's ``inferenceProviderMapping``, in its dict or list form."""
        where = _Where(source, entry, line)
        problem = _model_id_problem(model_id, where, "")
        if problem is not None:
            self._problems.append(problem)
            return
        self._add_model_info(model_id, body, where)

    def add_partner_listing(
        self, provider: str, body: Any, *, source: str = "<memory>"
    ) -> None:
        """Add ``GET /api/partners/{provider}/models``: ``{task: {key: value}}``.

        A key is a Hub model id, or ``tag-filter=`` followed by the filter's
        tags joined by commas.
        """
        top = _Where(source, None, None)
        problem = _text_problem(provider, top, "", name=True) or (
            None if isinstance(body, dict) else top.problem("", "must be an object")
        )
        if problem is not None:
            self._problems.append(
                replace(problem, message=f"partner listing: {problem.message}")
            )
            return
        position = 0
        for task, group in body.items():
            where = _Where(source, position, None)
            problem = _text_problem(task, where, "", name=True) or (
                None
                if isinstance(group, dict)
                else where.problem(str(task), "must be an object")
            )
            if problem is not None:
                self._problems.append(problem)
                position += 1
                continue
            for key, value in group.items():
                where = _Where(source, position, None, prefix=f"{task}.{key}")
                self._add_listing_value(provider, task, key, value, where)
                position += 1

    # -- result ------------------------------------------------------------

    def result(self) -> LoadResult:
        mappings = tuple(
            replace(kept.mapping, order=order) for order, kept in enumerate(self._kept)
        )
        return LoadResult(
            mappings,
            tuple(self._problems),
            dict(self._provider_orgs),
            tuple(self._merged),
        )

    def finish(self, *, lenient: bool = False) -> LoadResult:
        """The load's result; strict mode raises if any entry was refused."""
        result = self.result()
        if result.problems and not lenient:
            raise MappingError(result.problems)
        for problem in result.problems:
            logger.debug("skipped mapping entry: %s", problem)
        return result

    # -- shapes ------------------------------------------------------------

    def _add_json_lines(self, text: str, source: str) -> None:
        for position, (number, raw) in enumerate(split_json_lines(text)):
            where = _Where(source, position, number)
            try:
                data = parse_json(raw, number)
            except JsonFileError as problem:
                self._problems.append(where.problem("", problem.message))
                continue
            self._add_entry(data, where)

    def _add_rules_object(self, document: dict[str, Any], source: str) -> None:
        entries = document["mappings"]
        if not isinstance(entries, list):
            # The file as a whole is wrong: apply nothing of it, its
            # providerOrgs table included.
            self._problems.append(
                MappingProblem(source, None, "mappings", "must be a list of mappings")
            )
            return
        if "providerOrgs" in document:
            self._add_orgs_table(document["providerOrgs"], _Where(source, None, None))
        self.add_entries(entries, source=source)

    def _add_orgs_table(self, table: Any, where: _Where) -> None:
        if not isinstance(table, dict):
            self._problems.append(
                where.problem(
                    "providerOrgs", "must map provider names to organisations"
                )
            )
            return
        for provider, org in table.items():
            field = f"providerOrgs.{provider}"
            problem = _text_problem(provider, where, field) or _text_problem(
                org, where, field
            )
            if problem is not None:
                self._problems.append(problem)
            else:
                self._provider_orgs[provider] = org

    def _add_entry(self, data: Any, where: _Where) -> None:
        if not isinstance(data, dict):
            kind = type(data).__name__
            self._problems.append(
                where.problem("", f"an entry must be an object, not {kind}")
            )
            return
        if "inferenceProviderMapping" in data:
            model_id = data.get("id")
            problem = _model_id_problem(model_id, where, "id")
            if problem is not None:
                self._problems.append(problem)
                return
            assert isinstance(model_id, str)  # checked just above
            nested = where.nested("inferenceProviderMapping")
            self._add_model_info(model_id, data["inferenceProviderMapping"], nested)
        elif "providerId" in data or "hfModelId" in data:
            self._add_list_entry(data, where)
        else:
            self._add_registration(data, where)

    def _add_registration(self, data: dict[str, Any], where: _Where) -> None:
        body = _validate(RegistrationSchema, data, where)
        if isinstance(body, list):
            self._problems.extend(body)
            return

        # A registration says what it is: a model, or tags. Both at once is a
        # mistake the partner API would have to guess about; so would we.
        kind: Kind
        implied_filter = (
            body.type is None and body.hf_model is None and body.tags is not None
        )
        if body.type == "tag-filter" or implied_filter:
            kind = "tag-filter"
            if body.hf_model is not None:
                self._problems.append(
                    where.problem("hfModel", "a tag filter names tags, not a model")
                )
                return
        else:
            kind = "single-model"
            if body.tags is not None:
                field = "type" if body.type is None else "tags"
                message = (
                    "a single-model mapping takes no tags"
                    if body.type is not None
                    else "both hfModel and tags given: set type to "
                    "'single-model' or 'tag-filter'"
                )
                self._problems.append(where.problem(field, message))
                return
        self._keep(
            where,
            kind=kind,
            provider=body.provider,
            task=body.task,
            hf_model=body.hf_model,
            hf_model_field="hfModel",
            tags=body.tags,
            provider_model=body.provider_model,
            status=body.status,
            adapter=body.adapter_type,
            weights=body.adapter_weights_path,
        )

    def _add_list_entry(self, data: dict[str, Any], where: _Where) -> None:
        entry = _validate(ListEntrySchema, data, where)
        if isinstance(entry, list):
            self._problems.extend(entry)
            return
        self._keep(
            where,
            kind=_listed_kind(entry.hf_model, entry.tags),
            provider=entry.provider,
            task=entry.task,
            hf_model=entry.hf_model,
            hf_model_field="hfModelId",
            tags=entry.tags,
            provider_model=entry.provider_model,
            status=entry.status,
            adapter=entry.adapter or entry.adapter_type,
            weights=entry.adapter_weights_path,
        )

    def _add_model_info(self, model_id: str, body: Any, where: _Where) -> None:
        if isinstance(body, list):
            for position, data in enumerate(body):
                item = replace(where, prefix=f"{where.prefix}[{position}]")
                if not isinstance(data, dict):
                    self._problems.append(item.problem("", "must be an object"))
                    continue
                listed = data.get("hfModelId", model_id)
                if (
                    not isinstance(listed, str)
                    or listed.casefold() != model_id.casefold()
                ):
                    message = f"names another model than the response's id {model_id!r}"
                    self._problems.append(item.problem("hfModelId", message))
                    continue
                self._add_list_entry({**data, "hfModelId": model_id}, item)
            return
        if not isinstance(body, dict):
            self._problems.append(where.problem("", "must be an object or a list"))
            return
        for provider, data in body.items():
            problem = _text_problem(provider, where, "", name=True)
            if problem is not None:
                self._problems.append(
                    replace(problem, message=f"provider key {problem.message}")
                )
                continue
            item = where.nested(provider)
            value = _validate(HubValueSchema, data, item)
            if isinstance(value, list):
                self._problems.extend(value)
                continue
            if value.task is None:
                self._problems.append(item.problem("task", "Field required"))
                continue
            self._keep(
                item,
                kind="single-model",
                provider=provider,
                task=value.task,
                hf_model=model_id,
                hf_model_field="",
                tags=None,
                provider_model=value.provider_model,
                status=value.status,
                adapter=value.adapter or value.adapter_type,
                weights=value.adapter_weights_path,
            )

    def _add_listing_value(
        self, provider: str, task: str, key: Any, data: Any, where: _Where
    ) -> None:
        problem = _text_problem(key, replace(where, prefix=task), "")
        if problem is not None:
            self._problems.append(replace(problem, message=f"key {problem.message}"))
            return
        value = _validate(HubValueSchema, data, where)
        if isinstance(value, list):
            self._problems.extend(value)
            return
        if value.task is not None and value.task != task:
            message = f"{value.task!r} disagrees with its task group {task!r}"
            self._problems.append(where.problem("task", message))
            return

        if not key.startswith(TAG_FILTER_KEY_PREFIX):
            problem = _model_id_problem(key, where, "")
            if problem is None and value.tags is not None:
                problem = where.problem("tags", "a model's key takes no tags")
            if problem is not None:
                self._problems.append(problem)
                return
            kind: Kind = "single-model"
            hf_model: str | None = key
            tags = None
        else:
            kind, hf_model = "tag-filter", None
            # Older listings carry the tags only in the key.
            key_tags = key.removeprefix(TAG_FILTER_KEY_PREFIX).split(",")
            tags = value.tags if value.tags is not None else key_tags
            if value.type in _SINGLE_MODEL_TYPES:
                problem = where.problem("type", "a tag-filter key holds a tag filter")
            elif set(tags) != set(key_tags):
                problem = where.problem(
                    "tags", f"disagree with the key's tags {key_tags!r}"
                )
            if problem is not None:
                self._problems.append(problem)
                return
        self._keep(
            where,
            kind=kind,
            provider=provider,
            task=task,
            hf_model=hf_model,
            hf_model_field="",
            tags=tags,
            provider_model=value.provider_model,
            status=value.status,
            adapter=value.adapter or value.adapter_type,
            weights=value.adapter_weights_path,
        )

    def _add_mapping(self, mapping: Mapping) -> None:
        where = _Where(mapping.source, mapping.entry, mapping.line)
        problems = list(_mapping_problems(mapping, where))
        if problems:
            self._problems.extend(problems)
            return
        tags = tuple(dict.fromkeys(mapping.tags))
        self._merge(_Kept(replace(mapping, tags=tags), status_given=True), where)

    # -- normalisation -----------------------------------------------------

    def _keep(
        self,
        where: _Where,
        *,
        kind: Kind,
        provider: str,
        task: str,
        hf_model: str | None,
        hf_model_field: str,
        tags: Sequence[str] | None,
        provider_model: str,
        status: Status | None,
        adapter: str | None,
        weights: str | None,
    ) -> None:
        if kind == "single-model":
            if hf_model is None:
                field = hf_model_field or "hfModel"
                self._problems.append(
                    where.problem(field, "Field required for a single-model mapping")
                )
                return
            tags = ()
        else:
            if not tags:
                self._problems.append(
                    where.problem("tags", "a tag filter needs at least one tag")
                )
                return
            for position, tag in enumerate(tags):
                problem = _text_problem(tag, where, f"tags[{position}]")
                if problem is not None:
                    self._problems.append(problem)
                    return
            hf_model = None
            # A tag filter can only route adapters, and lora is the only
            # adapter type the Hub defines.
            adapter = adapter or ADAPTER_LORA

        mapping = Mapping(
            provider=provider,
            task=task,
            provider_model=provider_model,
            status=status or "staging",
            kind=kind,
            hf_model=hf_model,
            # Required tags are a set: listing one twice must not make a
            # filter look more specific than it is.
            tags=tuple(dict.fromkeys(tags)),
            adapter_type=adapter,
            adapter_weights_path=weights,
            source=where.source,
            entry=where.entry,
            line=where.line,
        )
        self._merge(_Kept(mapping, status is not None), where)

    def _merge(self, new: _Kept, where: _Where) -> None:
        mapping = new.mapping
        if mapping.hf_model is None:
            self._kept.append(new)
            return
        key = (mapping.provider, mapping.hf_model.casefold(), mapping.task)
        position = self._single_index.get(key)
        if position is None:
            self._single_index[key] = len(self._kept)
            self._kept.append(new)
            return

        kept = self._kept[position]
        old = kept.mapping
        for field, mine, theirs in _disagreements(old, mapping, kept, new):
            self._problems.append(
                where.problem(
                    field,
                    f"{mine!r} disagrees with {theirs!r} for {old.provider} "
                    f"{old.hf_model} ({old.task}) at {old.location}",
                )
            )
            return
        # The same mapping again: one mapping, completed by what the new
        # sighting adds (an explicit status, a weights path).
        self._merged.append(Merge(old, where.source, where.entry, where.line))
        if new.status_given and not kept.status_given:
            kept.mapping = replace(kept.mapping, status=mapping.status)
            kept.status_given = True
        if old.adapter_weights_path is None and mapping.adapter_weights_path:
            kept.mapping = replace(
                kept.mapping, adapter_weights_path=mapping.adapter_weights_path
            )


def _listed_kind(hf_model: str | None, tags: Sequence[str] | None) -> Kind:
    # A listing entry that names a model is about that model, whatever its
    # type says: the Hub lists the tag filters covering a model among the
    # model's own mappings, with the model's id and no tags. Its route is the
    # model's own and must not spread (with the model's weights file) to
    # every other model carrying the same tags.
    if hf_model is not None or tags is None:
        return "single-model"
    return "tag-filter"


def _mapping_problems(mapping: Mapping, where: _Where) -> Iterator[MappingProblem]:
    """Check a :class:`Mapping` built in code, which no schema has seen."""
    for field in ("provider", "task", "provider_model"):
        is_name = field != "provider_model"
        problem = _text_problem(getattr(mapping, field), where, field, name=is_name)
        if problem is not None:
            yield problem
    if mapping.status not in _STATUSES:
        yield where.problem(
            "status", f"must be one of live, staging, error (got {mapping.status!r})"
        )
    if mapping.adapter_type not in (None, ADAPTER_LORA):
        yield where.problem(
            "adapter_type", f"must be 'lora' or None (got {mapping.adapter_type!r})"
        )
    if mapping.kind == "single-model":
        yield from filter(
            None, [_model_id_problem(mapping.hf_model, where, "hf_model")]
        )
        if mapping.tags:
            yield where.problem("tags", "a single-model mapping takes no tags")
    elif mapping.kind == "tag-filter":
        if mapping.hf_model is not None:
            yield where.problem("hf_model", "a tag filter names tags, not a model")
        if not isinstance(mapping.tags, tuple) or not mapping.tags:
            yield where.problem("tags", "a tag filter needs a non-empty tuple of tags")
        else:
            for position, tag in enumerate(mapping.tags):
                problem = _text_problem(tag, where, f"tags[{position}]")
                if problem is not None:
                    yield problem
    else:
        yield where.problem(
            "kind", f"must be 'single-model' or 'tag-filter' (got {mapping.kind!r})"
        )


def _disagreements(
    old: Mapping, new: Mapping, kept: _Kept, incoming: _Kept
) -> Iterator[tuple[str, str | None, str | None]]:
    if old.provider_model != new.provider_model:
        yield "providerModel", new.provider_model, old.provider_model
    if old.adapter_type != new.adapter_type:
        yield "adapter", new.adapter_type, old.adapter_type
    if kept.status_given and incoming.status_given and old.status != new.status:
        yield "status", new.status, old.status
    if (
        old.adapter_weights_path
        and new.adapter_weights_path
        and old.adapter_weights_path != new.adapter_weights_path
    ):
        yield "adapterWeightsPath", new.adapter_weights_path, old.adapter_weights_path


def load_files(
    paths: Iterable[str | Path] | str | Path,
    *,
    lenient: bool = False,
    listing_provider: str | None = None,
) -> LoadResult:
    """Load rules files; strict unless ``lenient``. See :class:`MappingLoader`."""
    loader = MappingLoader()
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        loader.add_file(path, listing_provider=listing_provider)
    return loader.finish(lenient=lenient)


def load_entries(
    entries: Iterable[Any], *, source: str = "<memory>", lenient: bool = False
) -> LoadResult:
    """Load in-memory entries (registration bodies, list entries, model info)."""
    loader = MappingLoader()
    loader.add_entries(entries, source=source)
    return loader.finish(lenient=lenient)
