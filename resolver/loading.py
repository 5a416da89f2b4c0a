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

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from resolver._schemas import (
    HubValueSchema,
    ListEntrySchema,
    ProviderOrgsSchema,
    RegistrationSchema,
    check_repo_id,
)
from resolver.errors import MappingError, MappingProblem
from resolver.mapping import ADAPTER_LORA, Kind, Mapping, Status

__all__ = ["LoadResult", "MappingLoader", "load_entries", "load_files"]

logger = logging.getLogger(__name__)

TAG_FILTER_KEY_PREFIX: Final = "tag-filter="
_JSON_LINES_SUFFIXES: Final = frozenset({".jsonl", ".ndjson"})

_S = TypeVar("_S", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a load produced: the mappings kept, and the entries refused."""

    mappings: tuple[Mapping, ...]
    problems: tuple[MappingProblem, ...]
    provider_orgs: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Where:
    source: str
    entry: int
    line: int | None
    prefix: str = ""

    def problem(self, field: str, message: str) -> MappingProblem:
        path = ".".join(part for part in (self.prefix, field) if part)
        return MappingProblem(self.source, self.entry, path, message, self.line)


@dataclass(slots=True)
class _Kept:
    mapping: Mapping
    # A missing status defaults to staging; another source stating the status
    # of the same mapping explicitly is more informative and wins.
    status_given: bool


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _validate(schema: type[_S], data: Any, where: _Where) -> _S | list[MappingProblem]:
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            message = detail["msg"]
            if detail["type"] != "missing":
                message += f" (got {detail['input']!r})"
            problems.append(where.problem(_field_path(detail["loc"]), message))
        return problems


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
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            self._problems.append(
                MappingProblem(source, 0, "", f"cannot read: {reason}")
            )
            return

        if Path(path).suffix.lower() in _JSON_LINES_SUFFIXES:
            self._add_json_lines(text, source)
            return
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            where = _Where(source, 0, error.lineno)
            self._problems.append(where.problem("", f"invalid JSON: {error.msg}"))
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
            self._add_entry(document, _Where(source, 0, None))
        elif isinstance(document, dict) and listing_provider is not None:
            self.add_partner_listing(listing_provider, document, source=source)
        else:
            message = (
                "expected a list of mappings, an object with 'mappings', a model "
                "info response, or a partner listing with its provider named"
            )
            self._problems.append(MappingProblem(source, 0, "", message))

    def add_entries(self, entries: Iterable[Any], *, source: str = "<memory>") -> None:
        """Add registration bodies, list entries, model info responses, or
        :class:`Mapping` objects (taken as normalised, their status as given)."""
        for position, data in enumerate(entries):
            if isinstance(data, Mapping):
                where = _Where(data.source, data.entry, data.line)
                self._merge(_Kept(data, status_given=True), where)
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
        if not isinstance(body, dict):
            self._problems.append(
                MappingProblem(source, 0, "", "a partner listing must be an object")
            )
            return
        position = 0
        for task, group in body.items():
            if not isinstance(group, dict):
                where = _Where(source, position, None)
                self._problems.append(where.problem(task, "must be an object"))
                position += 1
                continue
            for key, value in group.items():
                where = _Where(source, position, None, prefix=f"{task}.{key}")
                self._add_listing_value(provider, task, key, value, where)
                position += 1

    def add_provider_orgs(self, table: AnyMapping[str, str]) -> None:
        self._provider_orgs.update(table)

    # -- result ------------------------------------------------------------

    def result(self) -> LoadResult:
        mappings = tuple(
            replace(kept.mapping, order=order) for order, kept in enumerate(self._kept)
        )
        return LoadResult(mappings, tuple(self._problems), dict(self._provider_orgs))

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
        position = 0
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            where = _Where(source, position, number)
            position += 1
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as error:
                self._problems.append(where.problem("", f"invalid JSON: {error.msg}"))
                continue
            self._add_entry(data, where)

    def _add_rules_object(self, document: dict[str, Any], source: str) -> None:
        if "providerOrgs" in document:
            where = _Where(source, 0, None, prefix="providerOrgs")
            orgs = _validate(
                ProviderOrgsSchema, {"table": document["providerOrgs"]}, where
            )
            if isinstance(orgs, list):
                # The schema wraps the table; report paths relative to it.
                self._problems.extend(
                    replace(
                        p,
                        field=p.field.replace("providerOrgs.table", "providerOrgs", 1),
                    )
                    for p in orgs
                )
            else:
                self._provider_orgs.update(orgs.table)
        entries = document["mappings"]
        if not isinstance(entries, list):
            self._problems.append(
                MappingProblem(source, 0, "mappings", "must be a list of mappings")
            )
            return
        self.add_entries(entries, source=source)

    def _add_entry(self, data: Any, where: _Where) -> None:
        if not isinstance(data, dict):
            kind = type(data).__name__
            self._problems.append(
                where.problem("", f"an entry must be an object, not {kind}")
            )
            return
        if "inferenceProviderMapping" in data:
            model_id = data.get("id")
            if not isinstance(model_id, str) or not model_id:
                self._problems.append(
                    where.problem("id", "a model info response needs the model id")
                )
                return
            problem = _model_id_problem(model_id, where, "id")
            if problem is not None:
                self._problems.append(problem)
                return
            nested = replace(where, prefix="inferenceProviderMapping")
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
        self._keep(
            where,
            provider=body.provider,
            task=body.task,
            type_=body.type,
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
            provider=entry.provider,
            task=entry.task,
            type_=entry.type,
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
            # The list form carries provider and hfModelId in every entry.
            for position, data in enumerate(body):
                item = replace(where, prefix=f"{where.prefix}[{position}]".lstrip("."))
                if isinstance(data, dict):
                    self._add_list_entry({"hfModelId": model_id, **data}, item)
                else:
                    self._problems.append(item.problem("", "must be an object"))
            return
        if not isinstance(body, dict):
            self._problems.append(where.problem("", "must be an object or a list"))
            return
        for provider, data in body.items():
            item = replace(
                where, prefix=".".join(p for p in (where.prefix, provider) if p)
            )
            value = _validate(HubValueSchema, data, item)
            if isinstance(value, list):
                self._problems.extend(value)
                continue
            if value.task is None:
                self._problems.append(item.problem("task", "Field required"))
                continue
            self._keep(
                item,
                provider=provider,
                task=value.task,
                type_=value.type,
                hf_model=model_id,
                hf_model_field="",
                tags=value.tags,
                provider_model=value.provider_model,
                status=value.status,
                adapter=value.adapter or value.adapter_type,
                weights=value.adapter_weights_path,
            )

    def _add_listing_value(
        self, provider: str, task: str, key: str, data: Any, where: _Where
    ) -> None:
        value = _validate(HubValueSchema, data, where)
        if isinstance(value, list):
            self._problems.extend(value)
            return
        hf_model: str | None = None
        tags = value.tags
        type_ = value.type
        if key.startswith(TAG_FILTER_KEY_PREFIX):
            type_ = "tag-filter"
            if tags is None:
                # Older listings carry the tags only in the key.
                tags = key.removeprefix(TAG_FILTER_KEY_PREFIX).split(",")
        else:
            problem = _model_id_problem(key, where, "")
            if problem is not None:
                self._problems.append(problem)
                return
            hf_model = key
        self._keep(
            where,
            provider=provider,
            task=task,
            type_=type_,
            hf_model=hf_model,
            hf_model_field="",
            tags=tags,
            provider_model=value.provider_model,
            status=value.status,
            adapter=value.adapter or value.adapter_type,
            weights=value.adapter_weights_path,
        )

    # -- normalisation -----------------------------------------------------

    def _keep(
        self,
        where: _Where,
        *,
        provider: str,
        task: str,
        type_: str | None,
        hf_model: str | None,
        hf_model_field: str,
        tags: Sequence[str] | None,
        provider_model: str,
        status: Status | None,
        adapter: str | None,
        weights: str | None,
    ) -> None:
        kind: Kind
        if type_ == "tag-filter" or (
            type_ is None and tags is not None and hf_model is None
        ):
            kind = "tag-filter"
        else:
            kind = "single-model"

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
                if not tag.strip():
                    self._problems.append(
                        where.problem(f"tags[{position}]", "a tag must not be blank")
                    )
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
            tags=tuple(tags),
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
        if new.status_given and not kept.status_given:
            kept.mapping = replace(kept.mapping, status=mapping.status)
            kept.status_given = True
        if old.adapter_weights_path is None and mapping.adapter_weights_path:
            kept.mapping = replace(
                kept.mapping, adapter_weights_path=mapping.adapter_weights_path
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


def _model_id_problem(
    model_id: str, where: _Where, field: str
) -> MappingProblem | None:
    # Ids in an entry's own fields are checked by its schema; these are the
    # ids that come from around the value: a response's id, a listing's key.
    try:
        check_repo_id(model_id)
    except ValueError as error:
        return where.problem(field, str(error))
    return None


def load_files(
    paths: Iterable[str | Path],
    *,
    lenient: bool = False,
    listing_provider: str | None = None,
) -> LoadResult:
    """Load rules files; strict unless ``lenient``. See :class:`MappingLoader`."""
    loader = MappingLoader()
    for path in paths:
        loader.add_file(path, listing_provider=listing_provider)
    return loader.finish(lenient=lenient)


def load_entries(
    entries: Iterable[Any], *, source: str = "<memory>", lenient: bool = False
) -> LoadResult:
    """Load in-memory entries (registration bodies, list entries, model info)."""
    loader = MappingLoader()
    loader.add_entries(entries, source=source)
    return loader.finish(lenient=lenient)
