"""Problems in a rule set, found before it goes live.

Every finding names the mapping entry it is about (file and line, or entry
position) and says in one line what is wrong. Its code fixes its severity:

errors, the rule set does not do what it says:

- ``load-problem``: an entry the loader refuses (see docs/routing.md,
  "What is refused"); lint loads leniently so one bad entry does not hide the rest.
- ``shadowed-filter``: a tag filter that is never selected for any model and
  any caller, while naming another provider model than the filter that
  shadows it (see :func:`shadowing_filter` for the exact condition).
- ``ambiguous-filters``: two routable tag filters of one provider and task
  with equally many tags and different provider models, which one model could
  both match; only load order, which the provider does not control once the
  Hub lists its mappings, decides between them.
- ``bad-base-model``: a ``base_model:<relation>:<id>`` tag whose id is not a
  valid Hub repo id, so no Hub model can carry it.
- ``unknown-task``: a task that is neither a Hub pipeline tag nor
  ``conversational``; only a caller asking for that exact string reaches it.

warnings, suspicious but possibly intended:

- ``redundant-filter``: a shadowed tag filter naming the same provider model,
  adapter and weights as the filter shadowing it (an exact duplicate, say):
  dead weight, but routing is as intended.
- ``redundant-single-model``: a single-model mapping whose model, taken from
  the models file, the provider's tag filters already route identically (same
  provider model, adapter and weights) for every caller and task for which the
  single-model mapping is selected. Needs model records; skipped without them.
- ``error-status``: a mapping in the ``error`` state, which nobody is routed to.
- ``tag-spaces``: a filter tag with leading or trailing spaces.
- ``tag-case``: a filter tag that differs only by case from a common Hub tag
  (see :func:`common_tags`), or a ``base_model:`` prefix spelled in another
  case. The Hub compares tags exactly, so ``LoRA`` misses every ``lora`` repo;
  it is a warning because a few real repositories do carry ``LoRA``.
- ``duplicate-mapping``: a single-model entry repeating a mapping loaded
  before it; the loader merged the two into one (see docs/routing.md), so it
  is dead weight in the file.

A filter listing one tag twice is not a finding: the loader counts required
tags as a set, so the repeat changes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from resolver._jsonfile import JsonFileError, is_json_lines, parse_json, read_text
from resolver._schemas import check_repo_id
from resolver.errors import MappingProblem, ResolverError, describe_location
from resolver.kit.pipeline_tags import MAPPING_TASKS, PIPELINE_TAGS
from resolver.loading import LoadResult, MappingLoader
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.resolver import PUBLIC, Resolver
from resolver.route import Route
from resolver.rules import normalise_tag, parse_base_model_tag, task_rank

__all__ = [
    "SEVERITY",
    "Code",
    "Finding",
    "Severity",
    "UnreadableRulesError",
    "common_tags",
    "lint",
    "lint_files",
    "read_rules",
    "shadowing_filter",
]

Severity = Literal["error", "warning"]
Code = Literal[
    "load-problem",
    "shadowed-filter",
    "ambiguous-filters",
    "bad-base-model",
    "unknown-task",
    "redundant-filter",
    "redundant-single-model",
    "error-status",
    "tag-spaces",
    "tag-case",
    "duplicate-mapping",
]

SEVERITY: Final[dict[Code, Severity]] = {
    "load-problem": "error",
    "shadowed-filter": "error",
    "ambiguous-filters": "error",
    "bad-base-model": "error",
    "unknown-task": "error",
    "redundant-filter": "warning",
    "redundant-single-model": "warning",
    "error-status": "warning",
    "tag-spaces": "warning",
    "tag-case": "warning",
    "duplicate-mapping": "warning",
}

# The relations the Hub writes in base_model:<relation>:<id> tags.
BASE_MODEL_RELATIONS: Final = frozenset({"adapter", "finetune", "merge", "quantized"})
# Tags every LoRA provider filters on, whatever models file is at hand.
BUILTIN_TAGS: Final = ("lora", *PIPELINE_TAGS)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a rule set, at one mapping entry."""

    code: Code
    source: str
    entry: int | None
    line: int | None
    message: str

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    @property
    def location(self) -> str:
        return describe_location(self.source, self.entry, self.line)

    @classmethod
    def at(cls, code: Code, mapping: Mapping, message: str) -> Finding:
        return cls(code, mapping.source, mapping.entry, mapping.line, message)

    @classmethod
    def from_problem(cls, problem: MappingProblem) -> Finding:
        field = f"field {problem.field!r}: " if problem.field else ""
        message = field + problem.message
        return cls("load-problem", problem.source, problem.entry, problem.line, message)

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "source": self.source,
            "entry": self.entry,
            "line": self.line,
            "location": self.location,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.code}: {self.message}"


class UnreadableRulesError(ResolverError, ValueError):
    """A rules file cannot be read or parsed at all, so nothing in it was linted."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def read_rules(paths: Iterable[str | Path]) -> LoadResult:
    """Load rules files leniently: every refused entry becomes a problem.

    :raises UnreadableRulesError: when a file cannot be read, or a JSON (not
        JSON Lines) file is not JSON; a bad line of a JSON Lines file is only a
        problem, since the other lines are still worth linting.
    """
    loader = MappingLoader()
    for path in paths:
        try:
            text = read_text(path)
            if not is_json_lines(path):
                parse_json(text)
        except JsonFileError as problem:
            at = f" at line {problem.line}" if problem.line is not None else ""
            raise UnreadableRulesError(str(path), f"{problem.message}{at}") from None
        loader.add_file(path)
    return loader.result()


def lint_files(
    paths: Iterable[str | Path],
    models: Sequence[Model] = (),
    provider_orgs: AnyMapping[str, str] | None = None,
) -> list[Finding]:
    """:func:`read_rules`, then :func:`lint`."""
    return lint(read_rules(paths), models, provider_orgs)


def lint(
    result: LoadResult,
    models: Sequence[Model] = (),
    provider_orgs: AnyMapping[str, str] | None = None,
) -> list[Finding]:
    """Every finding for a lenient load's result, ordered by source and entry.

    ``models`` are Hub model records: they widen the tag vocabulary of
    ``tag-case`` and enable ``redundant-single-model``.
    """
    mappings = result.mappings
    findings = [Finding.from_problem(problem) for problem in result.problems]
    vocabulary = common_tags(models)
    for mapping in mappings:
        findings.extend(_mapping_findings(mapping, vocabulary))
    findings.extend(_filter_findings(mappings))
    for merge in result.merged:
        message = f"repeats {merge.kept.describe()} at {merge.kept.location}"
        findings.append(
            Finding("duplicate-mapping", merge.source, merge.entry, merge.line, message)
        )
    if models:
        orgs = {**result.provider_orgs, **(provider_orgs or {})}
        findings.extend(_redundant_single_models(mappings, models, orgs))

    sources = {source: rank for rank, source in enumerate(_sources(result))}
    findings.sort(
        key=lambda f: (
            sources.get(f.source, len(sources)),
            -1 if f.entry is None else f.entry,
        )
    )
    return findings


def _sources(result: LoadResult) -> list[str]:
    seen = [m.source for m in result.mappings] + [p.source for p in result.problems]
    return list(dict.fromkeys(seen))


# -- one mapping at a time -------------------------------------------------


def common_tags(models: Iterable[Model] = ()) -> dict[str, str]:
    """The common Hub tags, keyed by their case- and space-free form.

    The vocabulary is ``lora`` and the Hub's pipeline tags (which the Hub also
    writes into a model's tags), then every tag of ``models``. Where spellings
    of one tag differ, a built-in spelling wins, then the spelling most models
    carry (ties broken alphabetically): in the real Hub data ``lora`` is far
    commoner than ``LoRA``, so ``LoRA`` is the odd one out.
    """
    counts: Counter[str] = Counter(tag.strip() for m in models for tag in m.tags)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocabulary: dict[str, str] = {}
    for tag, _ in ranked:
        vocabulary.setdefault(normalise_tag(tag), tag)
    for tag in BUILTIN_TAGS:
        vocabulary[normalise_tag(tag)] = tag
    return vocabulary


def _is_base_model_tag(tag: str) -> bool:
    """Whether ``tag`` has the Hub's ``base_model:<relation>:<id>`` form."""
    parsed = parse_base_model_tag(tag)
    return parsed is not None and parsed[0] in BASE_MODEL_RELATIONS


def _mapping_findings(mapping: Mapping, vocabulary: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    if mapping.task not in MAPPING_TASKS:
        close = [t for t in MAPPING_TASKS if t.casefold() == mapping.task.casefold()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = (
            f"task {mapping.task!r} is not a Hub pipeline tag "
            f"nor 'conversational'{hint}"
        )
        findings.append(Finding.at("unknown-task", mapping, message))
    if mapping.status == "error":
        message = f"{mapping.describe()} is in the error state: routable by nobody"
        findings.append(Finding.at("error-status", mapping, message))

    for tag in dict.fromkeys(mapping.tags):
        findings.extend(_tag_findings(mapping, tag, vocabulary))
    return findings


def _tag_findings(
    mapping: Mapping, tag: str, vocabulary: dict[str, str]
) -> list[Finding]:
    findings: list[Finding] = []
    stripped = tag.strip()
    if stripped != tag:
        message = (
            f"tag {tag!r} has surrounding spaces; it matches only models "
            f"carrying exactly {tag!r}, not {stripped!r}"
        )
        findings.append(Finding.at("tag-spaces", mapping, message))

    parts = stripped.split(":", 2)
    is_base_model_tag = _is_base_model_tag(stripped.casefold())
    common = vocabulary.get(normalise_tag(tag))
    if common is not None and common != stripped:
        message = (
            f"tag {tag!r} differs only by case from the common Hub tag "
            f"{common!r}; the Hub compares tags exactly"
        )
        findings.append(Finding.at("tag-case", mapping, message))
    elif is_base_model_tag and not _is_base_model_tag(stripped):
        prefix = f"{parts[0]}:{parts[1]}:"
        message = (
            f"tag {tag!r} spells the prefix {prefix!r}; the Hub writes "
            f"{prefix.lower()!r} and compares tags exactly"
        )
        findings.append(Finding.at("tag-case", mapping, message))

    if is_base_model_tag:
        try:
            check_repo_id(parts[2])
        except ValueError as error:
            message = f"tag {tag!r} names no valid base model: {error}"
            findings.append(Finding.at("bad-base-model", mapping, message))
    return findings


# -- tag filters against each other -----------------------------------------


def _sees_at_least(winner: Mapping, loser: Mapping) -> bool:
    # Both belong to one provider, hence one organisation: a live mapping is
    # seen by everyone, a staging one by the organisation, which is all that
    # sees a staging loser.
    return winner.status == "live" or (
        winner.status == "staging" and loser.status == "staging"
    )


def shadowing_filter(mapping: Mapping, mappings: Sequence[Mapping]) -> Mapping | None:
    """The first tag filter that wins over ``mapping`` for every model and caller.

    A routable tag filter F is never selected exactly when another tag filter
    G of the same provider and the same task

    - requires no tag F does not (G matches every model F matches),
    - is visible to everyone F is visible to (G live, or both staging), and
    - ranks before F: more required tags, or as many and loaded earlier.

    Since required tags are a set, the first and third conditions together
    leave one case: G requires exactly F's tags and was loaded earlier.

    Nothing else can shadow F: a caller may prefer F's provider or ask for it
    (so other providers never shadow it), may ask for F's task (so a filter of
    another task does not fit), and F matches models of any id (so a
    single-model mapping wins only for its own model). One such G is needed
    for all callers, not one per caller: whichever G wins for the public also
    wins for the provider's organisation. ``None`` when nothing shadows
    ``mapping``, and for single-model mappings.
    """
    if not mapping.is_tag_filter or mapping.status == "error":
        return None
    required = frozenset(mapping.tags)
    for other in mappings:
        if other.order >= mapping.order:
            continue
        if (
            other.is_tag_filter
            and other.provider == mapping.provider
            and other.task == mapping.task
            and frozenset(other.tags) == required
            and _sees_at_least(other, mapping)
        ):
            return other
    return None


def _shadows(group: Sequence[Mapping]) -> dict[int, Mapping]:
    """:func:`shadowing_filter` for every filter of one provider and task, in
    one pass: the earliest earlier filter with the same tags that is seen by
    everyone the filter is seen by."""
    first: dict[tuple[frozenset[str], str], Mapping] = {}
    found: dict[int, Mapping] = {}
    for mapping in sorted(group, key=lambda m: m.order):
        if mapping.status == "error":
            continue
        tags = frozenset(mapping.tags)
        live = first.get((tags, "live"))
        staging = first.get((tags, "staging"))
        if mapping.status == "live":
            winner = live
        else:
            earlier = [m for m in (live, staging) if m is not None]
            winner = min(earlier, key=lambda m: m.order) if earlier else None
        if winner is not None:
            found[mapping.order] = winner
        first.setdefault((tags, mapping.status), mapping)
    return found


def _same_target(a: Mapping, b: Mapping) -> bool:
    return (a.provider_model, a.adapter_type, a.adapter_weights_path) == (
        b.provider_model,
        b.adapter_type,
        b.adapter_weights_path,
    )


def _filter_findings(mappings: Sequence[Mapping]) -> list[Finding]:
    groups: defaultdict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for mapping in mappings:
        if mapping.is_tag_filter:
            groups[mapping.provider, mapping.task].append(mapping)

    findings: list[Finding] = []
    for group in groups.values():
        shadows = _shadows(group)
        for mapping in group:
            winner = shadows.get(mapping.order)
            if winner is None:
                continue
            code: Code = (
                "redundant-filter"
                if _same_target(mapping, winner)
                else "shadowed-filter"
            )
            message = (
                f"never selected: {winner.describe()} at {winner.location} "
                "matches every model it matches, is seen by every caller who "
                "sees it, and ranks first"
            )
            findings.append(Finding.at(code, mapping, message))
        findings.extend(_ties(group, set(shadows)))
    return findings


def _ties(group: list[Mapping], shadowed: set[int]) -> list[Finding]:
    """One finding per filter that ties with earlier ones: same provider and
    task, as many tags, another provider model, and a model could match both.

    Two filters naming different ``base_model:`` tags never meet on a model,
    so filters are grouped by the base model they name, and a filter is only
    compared with its own group and with the filters naming none: linear in
    practice for LoRA rule sets, where nearly every filter names a base.
    """
    findings: list[Finding] = []
    seen: defaultdict[tuple[int, str | None], list[Mapping]] = defaultdict(list)
    sizes: defaultdict[int, list[str | None]] = defaultdict(list)
    for later in sorted(group, key=lambda m: m.order):
        if later.status == "error" or later.order in shadowed:
            continue
        bases = {tag for tag in later.tags if _is_base_model_tag(tag)}
        if len(bases) > 1:
            continue  # matches no model at all
        base = next(iter(bases), None)
        size = len(later.tags)
        if base is None:
            keys = [(size, known) for known in sizes[size]]
        else:
            keys = [(size, base), (size, None)]
        ties = [
            earlier
            for key in keys
            for earlier in seen.get(key, ())
            if not _same_target(earlier, later)
        ]
        if ties:
            first = min(ties, key=lambda m: m.order)
            union = sorted(set(first.tags) | set(later.tags))
            more = f" (and {len(ties) - 1} more)" if len(ties) > 1 else ""
            message = (
                f"ties on specificity ({size} tags) with {first.describe()} at "
                f"{first.location}{more}: a model carrying [{', '.join(union)}] "
                f"goes to {first.provider_model!r} only by load order"
            )
            findings.append(Finding.at("ambiguous-filters", later, message))
        if not seen[size, base]:
            sizes[size].append(base)
        seen[size, base].append(later)
    return findings


# -- single-model mappings against tag filters -------------------------------


def _redundant_single_models(
    mappings: Sequence[Mapping], models: Sequence[Model], orgs: dict[str, str]
) -> list[Finding]:
    records = {model.folded_id: model for model in models}
    findings: list[Finding] = []
    full: Resolver | None = None
    for single in mappings:
        if single.hf_model is None or single.status == "error":
            continue
        model = records.get(single.hf_model.casefold())
        if model is None:
            continue
        alike = [
            m
            for m in mappings
            if m.is_tag_filter
            and m.provider == single.provider
            and _same_target(m, single)
            and model.tags.issuperset(m.tags)
        ]
        if not alike:
            continue
        # Rebuilding the index without the mapping is the only way to ask the
        # real precedence what would happen; it runs only for the few mappings
        # that have a look-alike filter.
        full = full or Resolver(mappings, provider_orgs=orgs)
        reduced = Resolver([m for m in mappings if m is not single], provider_orgs=orgs)
        if _routes_identically(single, model, full, reduced):
            message = (
                f"{single.describe()} duplicates tag filter "
                f"[{', '.join(alike[0].tags)}] at {alike[0].location}, which "
                f"routes {model.id!r} to the same provider model"
            )
            findings.append(Finding.at("redundant-single-model", single, message))
    return findings


def _routes_identically(
    single: Mapping, model: Model, full: Resolver, reduced: Resolver
) -> bool:
    org = full.provider_orgs.org_of(single.provider)
    callers: list[Caller] = [Caller(orgs=[org])]
    if single.status == "live":
        callers.append(PUBLIC)
    tasks: list[str | None] = [single.task]
    if task_rank(single.task, None, model.pipeline_tag) is not None:
        tasks.append(None)

    selected = False
    for caller in callers:
        for task in tasks:
            route = full.find(model, caller, task, single.provider)
            if route is None or route.mapping.order != single.order:
                continue
            selected = True
            instead: Route | None = reduced.find(model, caller, task, single.provider)
            if instead is None or not _same_target(instead.mapping, single):
                return False
    return selected
