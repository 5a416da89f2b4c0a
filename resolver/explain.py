"""Why each mapping near a model was taken or passed over.

An explanation judges every mapping that came close (see
:meth:`resolver.index.MappingIndex.near`) against the contract's rules, in a
fixed order, and stops at the first rule the mapping fails:

1. the caller asked for another provider (``other-provider``);
2. the mapping does not match the model: a required tag is missing
   (``missing-tag``) or is carried only with another case or surrounding
   spaces (``tag-differs``);
3. the task does not fit (``wrong-task``);
4. the mapping is in the error state (``status-error``) or is a staging
   mapping the caller may not see (``hidden``).

What matches and is visible is ranked by precedence: the first is
``selected``, the others are ``outranked``, each naming the rule that put the
winner ahead. Match comes before visibility on purpose: telling a provider its
staging mapping is "hidden" when it would not have matched anyway sends them
after the wrong fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from resolver.index import MappingIndex
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.route import Route
from resolver.rules import (
    KIND_SINGLE_MODEL,
    KIND_TAG_FILTER,
    TASK_EXACT,
    is_visible,
    normalise_tag,
    parse_base_model_tag,
    provider_rank,
    task_rank,
)

__all__ = ["Candidate", "Explanation", "Reason", "explain"]

Reason = Literal[
    "selected",
    "outranked",
    "other-provider",
    "missing-tag",
    "tag-differs",
    "wrong-task",
    "status-error",
    "hidden",
]

# (provider rank, kind, task fit, -number of required tags, load order).
PrecedenceKey = tuple[int, int, int, int, int]

_PRECEDENCE_RULES: Final = (
    "provider preference",
    "kind (single-model before tag-filter)",
    "task (exact pipeline tag before the conversational allowance)",
    "specificity (more required tags first)",
    "load order",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One mapping near the model, and what became of it."""

    route: Route
    reason: Reason
    detail: str

    @property
    def mapping(self) -> Mapping:
        return self.route.mapping

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.route.provider,
            "providerModel": self.route.provider_model,
            "kind": self.route.kind,
            "task": self.route.task,
            "status": self.route.status,
            "reason": self.reason,
            "detail": self.detail,
            "source": self.mapping.location,
        }

    def __str__(self) -> str:
        return f"{self.reason}: {self.mapping.describe()}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """The route (if any) and every candidate with its reason."""

    model: Model
    route: Route | None
    candidates: tuple[Candidate, ...]
    # Tags (in their near form) shared by so many filters that sharing one
    # does not make a filter a candidate, with the number of filters.
    crowded: tuple[tuple[str, int], ...] = ()

    def summary(self) -> str:
        """One line saying what happened, used as the no-route error message."""
        if self.route is not None:
            return f"{self.model.id}: routed to {self.route.mapping.describe()}"
        if not self.candidates:
            reason = "no mapping names it or shares a tag with it"
            if self.crowded:
                reason = "no mapping names it or shares a distinctive tag with it"
            return f"no route for {self.model.id!r}: {reason}{self._crowded_note()}"
        reasons = "; ".join(
            f"{c.mapping.provider} {c.route.provider_model}: {c.reason} ({c.detail})"
            for c in self.candidates[:5]
        )
        more = len(self.candidates) - 5
        tail = f"; and {more} more" if more > 0 else ""
        return f"no route for {self.model.id!r}: {reasons}{tail}{self._crowded_note()}"

    def _crowded_note(self) -> str:
        if not self.crowded:
            return ""
        shared = ", ".join(f"{tag!r} by {count}" for tag, count in self.crowded)
        return f" (not listed: filters sharing only a common tag, {shared})"


def explain(
    index: MappingIndex,
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
) -> Explanation:
    """Judge every mapping near ``model`` for this caller; see the module doc."""
    ranked: list[tuple[PrecedenceKey, Route]] = []
    passed_over: list[Candidate] = []
    for route in index.near(model):
        verdict = _first_failure(route, model, caller, task, provider)
        if verdict is not None:
            passed_over.append(Candidate(route, *verdict))
            continue
        rank = task_rank(route.task, task, model.pipeline_tag)
        assert rank is not None  # _first_failure checked the task
        kind = KIND_TAG_FILTER if route.mapping.is_tag_filter else KIND_SINGLE_MODEL
        key = (
            provider_rank(route.provider, caller.providers),
            kind,
            rank,
            -len(route.tags),
            route.order,
        )
        ranked.append((key, route))

    ranked.sort(key=lambda item: item[0])
    taken: list[Candidate] = []
    if ranked:
        best_key, best = ranked[0]
        taken.append(Candidate(best, "selected", _selected_detail(best, model, task)))
        for key, route in ranked[1:]:
            # Keys differ at least in load order, so some component differs.
            rule = next(
                i
                for i, pair in enumerate(zip(key, best_key, strict=True))
                if pair[0] != pair[1]
            )
            detail = (
                f"outranked by {best.mapping.describe()} on {_PRECEDENCE_RULES[rule]}"
            )
            taken.append(Candidate(route, "outranked", detail))
    selected = ranked[0][1] if ranked else None
    crowded = tuple(index.crowded(model).items()) if selected is None else ()
    return Explanation(model, selected, tuple(taken + passed_over), crowded)


def _first_failure(
    route: Route, model: Model, caller: Caller, task: str | None, provider: str | None
) -> tuple[Reason, str] | None:
    if provider is not None and route.provider != provider:
        return "other-provider", f"provider {provider!r} was requested"

    if route.mapping.is_tag_filter:
        missing = [tag for tag in route.tags if tag not in model.tags]
        if missing:
            return _tag_failure(missing, model)

    if task_rank(route.task, task, model.pipeline_tag) is None:
        if task is not None:
            wanted = f"the requested task {task!r}"
        else:
            wanted = f"the model's pipeline_tag {model.pipeline_tag!r}"
        return "wrong-task", f"mapping task {route.task!r} does not fit {wanted}"

    if route.status == "error":
        return (
            "status-error",
            "the mapping is in the error state (failed its health check)",
        )
    if not is_visible(route, caller):
        return (
            "hidden",
            f"staging mapping visible only to members of {route.provider_org!r}",
        )
    return None


def _tag_failure(missing: list[str], model: Model) -> tuple[Reason, str]:
    by_normal_form: dict[str, list[str]] = {}
    for tag in sorted(model.tags):
        by_normal_form.setdefault(normalise_tag(tag), []).append(tag)

    differing: list[str] = []
    absent: list[str] = []
    for tag in missing:
        near = by_normal_form.get(normalise_tag(tag))
        if near:
            shown = ", ".join(repr(other) for other in near)
            differing.append(f"{tag!r} (model has {shown})")
        else:
            absent.append(repr(tag) + _relation_hint(tag, model))

    if not absent:
        return "tag-differs", "differs only by case or spaces: " + "; ".join(differing)
    detail = "model lacks " + ", ".join(absent)
    if differing:
        detail += "; differs only by case or spaces: " + "; ".join(differing)
    return "missing-tag", detail


def _relation_hint(tag: str, model: Model) -> str:
    # A LoRA filter wants base_model:adapter:<base>. A repo tagged with the same
    # base under another relation (finetune, merge, quantized) is the commonest
    # near miss, and worth naming.
    wanted = parse_base_model_tag(tag)
    if wanted is None or wanted[0] != "adapter":
        return ""
    for other in sorted(model.tags):
        parsed = parse_base_model_tag(other)
        if parsed is not None and parsed[1].casefold() == wanted[1].casefold():
            return f" (model has {other!r})"
    return ""


def _selected_detail(route: Route, model: Model, task: str | None) -> str:
    if route.hf_model is not None:
        how = f"single-model mapping of {route.hf_model!r}"
    else:
        how = "tag filter [" + ", ".join(route.tags) + "]"
    rank = task_rank(route.task, task, model.pipeline_tag)
    if task is not None:
        fit = f"requested task {task!r}"
    elif model.pipeline_tag is None:
        fit = "any task (the model has no pipeline_tag)"
    elif rank == TASK_EXACT:
        fit = f"pipeline_tag {model.pipeline_tag!r}"
    else:
        fit = f"conversational allowance for pipeline_tag {model.pipeline_tag!r}"
    return f"{how}, {route.status}, task {route.task!r} by {fit}"
