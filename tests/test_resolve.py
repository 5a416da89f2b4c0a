"""Routing by the contract: visibility, task, match, precedence, no route."""

from __future__ import annotations

from typing import Any

import pytest

from resolver import PUBLIC, Caller, InvalidArgumentError, Model, NoRouteError, Resolver
from resolver.index import NEAR_LIMIT

FLUX = "black-forest-labs/FLUX.1-dev"
FLUX_LORA_TAGS = ["lora", f"base_model:adapter:{FLUX}"]
LORA = Model(
    "acme/flux-style-lora",
    tags=[*FLUX_LORA_TAGS, "region:us"],
    pipeline_tag="text-to-image",
)
LLAMA = Model(
    "meta-llama/Llama-3.3-70B-Instruct",
    tags=["conversational"],
    pipeline_tag="text-generation",
)


def single(provider: str, provider_model: str, **extra: Any) -> dict[str, Any]:
    body = {
        "provider": provider,
        "task": "conversational",
        "hfModel": "meta-llama/Llama-3.3-70B-Instruct",
        "providerModel": provider_model,
        "status": "live",
    }
    body.update(extra)
    return body


def tag_filter(provider: str, provider_model: str, **extra: Any) -> dict[str, Any]:
    body = {
        "provider": provider,
        "type": "tag-filter",
        "task": "text-to-image",
        "tags": FLUX_LORA_TAGS,
        "providerModel": provider_model,
        "adapterType": "lora",
        "status": "live",
    }
    body.update(extra)
    return body


def route_of(entries: list[dict[str, Any]], model: Model, **kwargs: Any) -> str:
    return Resolver.from_mappings(entries).resolve(model, **kwargs).provider_model


class TestVisibility:
    def test_live_is_visible_to_everyone(self) -> None:
        route = Resolver.from_mappings(
            [tag_filter("fal-ai", "fal-ai/flux-lora")]
        ).resolve(LORA)
        assert (route.status, route.visibility) == ("live", "public")

    def test_staging_is_visible_to_the_provider_org(self) -> None:
        resolver = Resolver.from_mappings(
            [tag_filter("fal-ai", "fal-ai/flux-lora", status="staging")]
        )
        route = resolver.resolve(LORA, caller=Caller(orgs={"fal"}))
        assert (route.status, route.visibility, route.provider_org) == (
            "staging",
            "org",
            "fal",
        )

    def test_staging_is_hidden_from_others(self) -> None:
        resolver = Resolver.from_mappings(
            [tag_filter("fal-ai", "fal-ai/flux-lora", status="staging")]
        )
        with pytest.raises(NoRouteError):
            resolver.resolve(LORA, caller=Caller(orgs={"fal-ai", "replicate"}))

    def test_org_names_compare_without_case(self) -> None:
        resolver = Resolver.from_mappings(
            [single("together", "turbo", status="staging")]
        )
        assert (
            resolver.resolve(
                LLAMA, caller=Caller(orgs={"TogetherComputer"})
            ).provider_model
            == "turbo"
        )

    def test_org_table_is_overridable(self) -> None:
        resolver = Resolver.from_mappings(
            [tag_filter("fal-ai", "fal-ai/flux-lora", status="staging")],
            provider_orgs={"fal-ai": "fal-internal"},
        )
        assert resolver.find(LORA, caller=Caller(orgs={"fal"})) is None
        assert resolver.find(LORA, caller=Caller(orgs={"fal-internal"})) is not None

    def test_provider_missing_from_table_is_its_own_org(self) -> None:
        resolver = Resolver.from_mappings([single("newcomer", "m", status="staging")])
        assert resolver.find(LLAMA, caller=Caller(orgs={"newcomer"})) is not None

    def test_error_status_is_routable_by_nobody(self) -> None:
        resolver = Resolver.from_mappings([single("together", "turbo", status="error")])
        assert resolver.find(LLAMA, caller=Caller(orgs={"togethercomputer"})) is None

    def test_hidden_mapping_never_blocks_a_visible_one_behind_it(self) -> None:
        entries = [
            single("together", "hidden-turbo", status="staging"),
            single("sambanova", "visible", status="live"),
        ]
        assert (
            route_of(entries, LLAMA, caller=Caller(providers=["together", "sambanova"]))
            == "visible"
        )


class TestTask:
    def test_explicit_task_must_equal(self) -> None:
        entries = [
            single("together", "chat"),
            single("together", "raw", task="text-generation"),
        ]
        assert route_of(entries, LLAMA, task="text-generation") == "raw"
        with pytest.raises(NoRouteError):
            Resolver.from_mappings(entries).resolve(LLAMA, task="summarization")

    def test_pipeline_tag_match(self) -> None:
        model = Model("google-bert/bert-base-uncased", pipeline_tag="fill-mask")
        entries = [
            {
                "provider": "hf-inference",
                "hfModel": "google-bert/bert-base-uncased",
                "providerModel": "bert",
                "task": "fill-mask",
                "status": "live",
            }
        ]
        assert route_of(entries, model) == "bert"

    @pytest.mark.parametrize("pipeline_tag", ["text-generation", "image-text-to-text"])
    def test_conversational_serves_chat_pipeline_tags(self, pipeline_tag: str) -> None:
        model = Model(LLAMA.id, pipeline_tag=pipeline_tag)
        assert route_of([single("together", "chat")], model) == "chat"

    def test_conversational_does_not_serve_other_pipeline_tags(self) -> None:
        model = Model(LLAMA.id, pipeline_tag="text-to-image")
        assert Resolver.from_mappings([single("together", "chat")]).find(model) is None

    def test_model_without_pipeline_tag_accepts_any_task(self) -> None:
        model = Model("acme/flux-style-lora", tags=FLUX_LORA_TAGS)
        assert (
            route_of([tag_filter("fal-ai", "lora", task="image-to-image")], model)
            == "lora"
        )

    def test_model_without_pipeline_tag_still_honours_explicit_task(self) -> None:
        model = Model("acme/flux-style-lora", tags=FLUX_LORA_TAGS)
        resolver = Resolver.from_mappings(
            [tag_filter("fal-ai", "lora", task="image-to-image")]
        )
        assert resolver.find(model, task="text-to-image") is None


class TestMatch:
    def test_model_id_matches_without_case_and_reports_mapping_spelling(self) -> None:
        model = Model(
            "META-LLAMA/llama-3.3-70b-instruct", pipeline_tag="text-generation"
        )
        route = Resolver.from_mappings([single("together", "chat")]).resolve(model)
        assert route.hf_model == "meta-llama/Llama-3.3-70B-Instruct"

    def test_tag_filter_needs_every_tag(self) -> None:
        resolver = Resolver.from_mappings([tag_filter("fal-ai", "lora")])
        assert (
            resolver.find(Model("a/b", tags=["lora"], pipeline_tag="text-to-image"))
            is None
        )

    @pytest.mark.parametrize("variant", ["LoRA", "Lora", " lora", "lora "])
    def test_tags_compare_exactly(self, variant: str) -> None:
        model = Model(
            "a/b",
            tags=[variant, f"base_model:adapter:{FLUX}"],
            pipeline_tag="text-to-image",
        )
        assert (
            Resolver.from_mappings([tag_filter("fal-ai", "lora")]).find(model) is None
        )

    def test_tag_filter_route_says_lora(self) -> None:
        route = Resolver.from_mappings(
            [tag_filter("fal-ai", "fal-ai/flux-lora")]
        ).resolve(LORA)
        assert (route.kind, route.adapter_type, route.tags) == (
            "tag-filter",
            "lora",
            tuple(FLUX_LORA_TAGS),
        )
        assert route.hf_model is None


class TestPrecedence:
    def test_provider_preference_first(self) -> None:
        model = Model(LORA.id, tags=LORA.tags, pipeline_tag="text-to-image")
        entries = [
            single("together", "t", hfModel=LORA.id, task="text-to-image"),
            tag_filter("fal-ai", "f"),
        ]
        # fal-ai's tag filter beats together's exact mapping when fal-ai is preferred.
        assert route_of(entries, model, caller=Caller(providers=["fal-ai"])) == "f"
        assert route_of(entries, model, caller=Caller(providers=["together"])) == "t"

    def test_unlisted_providers_rank_after_listed_and_tie(self) -> None:
        entries = [
            single("a-provider", "a"),
            single("b-provider", "b"),
            single("c-provider", "c"),
        ]
        assert route_of(entries, LLAMA, caller=Caller(providers=["c-provider"])) == "c"
        # a and b are both unlisted: equal rank, so load order decides.
        assert route_of(entries, LLAMA, caller=Caller(providers=["z"])) == "a"

    def test_single_model_before_tag_filter(self) -> None:
        entries = [
            tag_filter("fal-ai", "filter"),
            single("fal-ai", "exact", hfModel=LORA.id, task="text-to-image"),
        ]
        assert route_of(entries, LORA) == "exact"

    def test_exact_pipeline_tag_before_conversational(self) -> None:
        entries = [
            single("together", "chat"),
            single("sambanova", "raw", task="text-generation"),
        ]
        assert route_of(entries, LLAMA) == "raw"

    def test_more_tags_before_fewer(self) -> None:
        entries = [
            tag_filter("fal-ai", "general", tags=["lora"]),
            tag_filter("fal-ai", "flux", tags=FLUX_LORA_TAGS),
        ]
        assert route_of(entries, LORA) == "flux"

    def test_source_order_last(self) -> None:
        entries = [tag_filter("replicate", "first"), tag_filter("fal-ai", "second")]
        assert route_of(entries, LORA) == "first"
        assert route_of(list(reversed(entries)), LORA) == "second"

    def test_explicit_provider_restricts(self) -> None:
        entries = [tag_filter("replicate", "r"), tag_filter("fal-ai", "f")]
        assert route_of(entries, LORA, provider="fal-ai") == "f"
        with pytest.raises(NoRouteError):
            Resolver.from_mappings(entries).resolve(LORA, provider="together")

    def test_answer_does_not_depend_on_tag_order(self) -> None:
        entries = [tag_filter("fal-ai", "f", tags=list(reversed(FLUX_LORA_TAGS)))]
        reordered = Model(
            LORA.id,
            tags=sorted(LORA.tags, reverse=True),
            pipeline_tag="text-to-image",
        )
        assert route_of(entries, reordered) == "f"


class TestNoRoute:
    def test_no_route_is_a_lookup_error_with_candidates(self) -> None:
        resolver = Resolver.from_mappings([tag_filter("fal-ai", "f", status="staging")])
        with pytest.raises(LookupError) as caught:
            resolver.resolve(LORA)
        assert isinstance(caught.value, NoRouteError)
        assert [c.reason for c in caught.value.candidates] == ["hidden"]
        assert "hidden" in str(caught.value)

    def test_find_returns_none(self) -> None:
        assert Resolver.from_mappings([]).find(LORA, PUBLIC) is None

    def test_resolve_and_find_agree_on_repeated_lookups(self) -> None:
        resolver = Resolver.from_mappings([tag_filter("fal-ai", "f")])
        first = resolver.resolve(LORA)
        assert resolver.resolve(LORA) is first
        assert resolver.find(Model(LORA.id, LORA.tags, LORA.pipeline_tag)) is first

    def test_member_and_non_member_never_share_an_answer(self) -> None:
        resolver = Resolver.from_mappings([tag_filter("fal-ai", "f", status="staging")])
        assert resolver.find(LORA, Caller(orgs={"fal"})) is not None
        assert resolver.find(LORA, PUBLIC) is None
        assert resolver.find(LORA, Caller(orgs={"fal"})) is not None


class TestExplanationScope:
    def test_a_tag_shared_by_too_many_filters_does_not_make_them_near(self) -> None:
        many = [
            tag_filter(
                "fal-ai", f"m{n}", tags=["lora", f"base_model:adapter:org/base-{n}"]
            )
            for n in range(NEAR_LIMIT + 1)
        ]
        model = Model("acme/x", tags=["lora", "base_model:adapter:org/other"])
        explanation = Resolver.from_mappings(many).explain(model)
        assert explanation.route is None
        assert explanation.candidates == ()
        assert explanation.crowded == (("lora", NEAR_LIMIT + 1),)
        assert f"'lora' by {NEAR_LIMIT + 1}" in explanation.summary()
        assert "distinctive" in explanation.summary()

    def test_base_model_under_another_relation_is_near(self) -> None:
        many = [
            tag_filter(
                "fal-ai", f"m{n}", tags=["lora", f"base_model:adapter:org/base-{n}"]
            )
            for n in range(NEAR_LIMIT + 1)
        ]
        model = Model("acme/x", tags=["lora", "base_model:finetune:org/base-7"])
        (candidate,) = Resolver.from_mappings(many).explain(model).candidates
        assert candidate.route.provider_model == "m7"
        assert candidate.reason == "missing-tag"
        assert "'base_model:finetune:org/base-7'" in candidate.detail

    def test_a_matching_filter_is_near_however_common_its_tags(self) -> None:
        styles = [
            tag_filter("fal-ai", f"style-{n}", tags=["lora", f"style-{n}"])
            for n in range(NEAR_LIMIT + 1)
        ]
        rules = [*styles, tag_filter("fal-ai", "generic", tags=["lora"])]
        resolver = Resolver.from_mappings(rules)
        model = Model("acme/x", tags=["lora"], pipeline_tag="text-to-image")
        explanation = resolver.explain(model)
        assert explanation.route is resolver.find(model)
        assert explanation.route is not None
        assert explanation.route.provider_model == "generic"


class TestLoadOrder:
    def test_mappings_of_two_loads_are_renumbered(self) -> None:
        first = Resolver.from_mappings([tag_filter("fal-ai", "a")])
        second = Resolver.from_mappings([tag_filter("replicate", "b")])
        combined = Resolver(first.mappings + second.mappings)
        assert [m.order for m in combined.mappings] == [0, 1]
        assert combined.resolve(LORA).provider_model == "a"
        assert len(combined.explain(LORA).candidates) == 2


class TestArguments:
    @pytest.mark.parametrize(
        "make",
        [
            lambda: Model("a/b", tags="lora"),
            lambda: Model("", tags=[]),
            # Deliberately ill-typed: what untyped callers may pass.
            lambda: Model("a/b", tags=[1]),  # type: ignore[list-item]
            lambda: Model("a/b", pipeline_tag=["x"]),  # type: ignore[arg-type]
            lambda: Caller(orgs="fal"),
            lambda: Caller(providers=[None]),  # type: ignore[list-item]
            lambda: Resolver([], provider_orgs={"fal-ai": 5}),  # type: ignore[dict-item]
            lambda: Resolver([]).resolve("x/y"),  # type: ignore[arg-type]
            lambda: Resolver([]).find(LORA, caller="fal"),  # type: ignore[arg-type]
            lambda: Resolver([]).find(LORA, task=["x"]),  # type: ignore[arg-type]
        ],
    )
    def test_wrong_types_are_the_librarys_own_type_error(self, make: Any) -> None:
        with pytest.raises(InvalidArgumentError):
            make()
        with pytest.raises(TypeError):
            make()
