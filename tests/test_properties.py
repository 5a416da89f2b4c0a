"""The fast index against a deliberately simple brute-force resolver.

The brute force below reads the contract literally: it walks every mapping in
load order, applies each rule in turn, and sorts the survivors by the
precedence key. It shares no code with the resolver beyond the loaded
:class:`Mapping` list, so agreement on random rule sets and models is evidence
that the index's shortcuts (rarest-tag buckets, memoisation, skipping tag
filters after an unbeatable exact match) change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver import Caller, Mapping, Model, Resolver, index
from resolver.orgs import DEFAULT_PROVIDER_ORGS

# Small vocabularies on purpose: random rule sets must often match the model,
# and often match it several times over, or precedence goes untested.
# "hyperbolic" answers to the capitalised "Hyperbolic" organisation.
PROVIDERS = ["fal-ai", "replicate", "hyperbolic", "newcomer"]
ORGS = ["fal", "replicate", "hyperbolic", "newcomer", "FAL", "someone"]
TASKS = ["text-to-image", "conversational", "text-generation"]
PIPELINE_TAGS = [None, "text-to-image", "text-generation", "image-text-to-text"]
MODEL_IDS = ["acme/flux-lora", "ACME/Flux-Lora", "meta-llama/Llama-3"]
TAGS = [
    "lora",
    "LoRA",
    " lora",
    "base_model:adapter:black-forest-labs/FLUX.1-dev",
    "base_model:finetune:black-forest-labs/flux.1-dev",
    "style",
]
# Mirrors resolver.index.NEAR_LIMIT: a tag form shared by more filters than
# this does not make a filter near a model.
NEAR_LIMIT = 100


def forms(tag: str) -> set[str]:
    """A tag's normalised form, plus its base model whatever the relation."""
    normal = tag.strip().casefold()
    if normal.startswith("base_model:") and normal.count(":") >= 2:
        return {normal, "base_model:*:" + normal.split(":", 2)[2]}
    return {normal}


STATUSES = ["live", "staging", "error", None]


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "provider": draw(st.sampled_from(PROVIDERS)),
        "task": draw(st.sampled_from(TASKS)),
        "providerModel": draw(st.sampled_from(["m1", "m2", "m3"])),
    }
    status = draw(st.sampled_from(STATUSES))
    if status is not None:
        entry["status"] = status
    if draw(st.booleans()):
        entry["hfModel"] = draw(st.sampled_from(MODEL_IDS))
    else:
        entry["type"] = "tag-filter"
        entry["tags"] = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=3))
    return entry


models = st.builds(
    Model,
    id=st.sampled_from(MODEL_IDS),
    tags=st.lists(st.sampled_from(TAGS), max_size=5),
    pipeline_tag=st.sampled_from(PIPELINE_TAGS),
)
callers = st.builds(
    Caller,
    orgs=st.lists(st.sampled_from(ORGS), max_size=2),
    providers=st.lists(st.sampled_from(PROVIDERS), max_size=3),
)
tasks = st.one_of(st.none(), st.sampled_from(TASKS))
providers = st.one_of(st.none(), st.sampled_from(PROVIDERS))


def brute_force(
    mappings: tuple[Mapping, ...],
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
    *,
    near_limit: int = NEAR_LIMIT,
) -> tuple[Mapping | None, dict[int, str]]:
    """The selected mapping, and a reason for every mapping near the model."""
    member_of = {org.casefold() for org in caller.orgs}
    normal_model_tags = {tag.strip().casefold() for tag in model.tags}
    model_forms = {form for tag in model.tags for form in forms(tag)}
    sharing: dict[str, int] = {}
    for mapping in mappings:
        if mapping.hf_model is None:
            for form in {f for tag in mapping.tags for f in forms(tag)}:
                sharing[form] = sharing.get(form, 0) + 1
    reasons: dict[int, str] = {}
    ranked = []
    for position, mapping in enumerate(mappings):
        if mapping.hf_model is not None:
            near = mapping.hf_model.casefold() == model.id.casefold()
        else:
            near = all(tag in model.tags for tag in mapping.tags) or any(
                form in model_forms and sharing[form] <= near_limit
                for tag in mapping.tags
                for form in forms(tag)
            )
        if not near:
            continue

        missing = [tag for tag in mapping.tags if tag not in model.tags]
        if task is not None:
            fits, task_key = mapping.task == task, 0
        elif model.pipeline_tag is None or mapping.task == model.pipeline_tag:
            fits, task_key = True, 0
        else:
            fits = mapping.task == "conversational" and model.pipeline_tag in (
                "text-generation",
                "image-text-to-text",
            )
            task_key = 1
        org = DEFAULT_PROVIDER_ORGS.get(mapping.provider, mapping.provider)

        if provider is not None and mapping.provider != provider:
            reasons[position] = "other-provider"
        elif missing:
            differs = all(
                tag.strip().casefold() in normal_model_tags for tag in missing
            )
            reasons[position] = "tag-differs" if differs else "missing-tag"
        elif not fits:
            reasons[position] = "wrong-task"
        elif mapping.status == "error":
            reasons[position] = "status-error"
        elif mapping.status == "staging" and org.casefold() not in member_of:
            reasons[position] = "hidden"
        else:
            if mapping.provider in caller.providers:
                rank = caller.providers.index(mapping.provider)
            else:
                rank = len(caller.providers)
            kind = 0 if mapping.hf_model is not None else 1
            ranked.append(
                ((rank, kind, task_key, -len(mapping.tags), position), position)
            )

    ranked.sort()
    for number, (_, position) in enumerate(ranked):
        reasons[position] = "selected" if number == 0 else "outranked"
    selected = mappings[ranked[0][1]] if ranked else None
    return selected, reasons


def check_agreement(
    rules: list[dict[str, Any]],
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
    *,
    near_limit: int = NEAR_LIMIT,
) -> None:
    resolver = Resolver.from_mappings(rules, lenient=True)
    expected, expected_reasons = brute_force(
        resolver.mappings, model, caller, task, provider, near_limit=near_limit
    )

    route = resolver.find(model, caller, task, provider)
    assert (route.mapping if route else None) == expected
    # A second lookup is served from the memo and must not differ.
    assert resolver.find(model, caller, task, provider) is route

    explanation = resolver.explain(model, caller, task, provider)
    assert (explanation.route.mapping if explanation.route else None) == expected
    reasons = {c.mapping.order: c.reason for c in explanation.candidates}
    assert reasons == expected_reasons


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), max_size=12), models, callers, tasks, providers)
def test_index_agrees_with_brute_force(
    rules: list[dict[str, Any]],
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
) -> None:
    check_agreement(rules, model, caller, task, provider)


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), max_size=12), models, callers, tasks, providers)
def test_index_agrees_with_brute_force_when_tags_are_common(
    rules: list[dict[str, Any]],
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
) -> None:
    # The same, with the "shared by too many filters" cut-off of explanations
    # lowered so that small rule sets reach it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "NEAR_LIMIT", 2)
        check_agreement(rules, model, caller, task, provider, near_limit=2)


@pytest.mark.slow
@settings(
    max_examples=5000, suppress_health_check=[HealthCheck.too_slow], deadline=None
)
@given(st.lists(entries(), max_size=40), models, callers, tasks, providers)
def test_index_agrees_with_brute_force_at_length(
    rules: list[dict[str, Any]],
    model: Model,
    caller: Caller,
    task: str | None,
    provider: str | None,
) -> None:
    check_agreement(rules, model, caller, task, provider)


@settings(max_examples=200)
@given(st.lists(entries(), max_size=12), models, callers)
def test_route_does_not_depend_on_tag_order(
    rules: list[dict[str, Any]], model: Model, caller: Caller
) -> None:
    resolver = Resolver.from_mappings(rules, lenient=True)
    shuffled = Model(model.id, sorted(model.tags, reverse=True), model.pipeline_tag)
    assert resolver.find(model, caller) == resolver.find(shuffled, caller)
