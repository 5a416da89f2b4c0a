"""The resolver on real Hub data: recorded responses, real mappings, real models.

Expected values are read off the data files by hand and justified against
the routing contract in each test's docstring.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver import Caller, Model, NoRouteError, Resolver
from resolver.loading import MappingLoader, load_files
from resolver.models_file import read_models
from tests.conftest import read_jsonl

EXAMPLE_PROVIDER = "example-provider"


@pytest.fixture(scope="module")
def real_resolver(data_dir: Path) -> Resolver:
    return Resolver.from_files([data_dir / "provider_mappings.jsonl"], lenient=True)


@pytest.fixture(scope="module")
def hub_models(data_dir: Path) -> dict[str, Model]:
    return {model.id: model for model in read_models(data_dir / "hub_models.jsonl")}


def test_every_recorded_response_loads(data_dir: Path) -> None:
    records = list(read_jsonl(data_dir / "provider_mapping_responses.jsonl"))
    assert len(records) == 20
    for record in records:
        loader = MappingLoader()
        if "inferenceProviderMapping" in record:
            body = record["inferenceProviderMapping"]
            loader.add_model_info(record["id"], body, source=record["source"])
            expected = len(body)
        else:
            # The documented partner listing does not name its provider.
            body = record["partnerListResponse"]
            loader.add_partner_listing(EXAMPLE_PROVIDER, body, source=record["source"])
            expected = sum(len(group) for group in body.values())
        result = loader.finish()  # strict: raises on any refused entry
        assert len(result.mappings) == expected


def test_recorded_partner_listing_has_its_tag_filter(data_dir: Path) -> None:
    (record,) = [
        r
        for r in read_jsonl(data_dir / "provider_mapping_responses.jsonl")
        if "partnerListResponse" in r
    ]
    loader = MappingLoader()
    loader.add_partner_listing(EXAMPLE_PROVIDER, record["partnerListResponse"])
    (lora,) = [m for m in loader.finish().mappings if m.is_tag_filter]
    assert lora.tags == (
        "base_model:adapter:stabilityai/stable-diffusion-xl-base-1.0",
        "lora",
    )
    assert (lora.provider_model, lora.adapter_type, lora.status) == (
        "sdxl-lora-mutualized",
        "lora",
        "live",
    )


class TestProviderMappingsFile:
    def test_strict_load_refuses_it(self, data_dir: Path) -> None:
        with pytest.raises(ValueError, match=r"provider_mappings\.jsonl"):
            load_files([data_dir / "provider_mappings.jsonl"])

    def test_lenient_load_reports_bad_entries_by_line(self, data_dir: Path) -> None:
        path = data_dir / "provider_mappings.jsonl"
        raw = list(read_jsonl(path))
        result = load_files([path], lenient=True)
        by_line = {p.line: p for p in result.problems}

        # The register-as-a-provider documentation's partner listing, copied
        # into the data file, names no provider.
        no_provider = {n for n, e in enumerate(raw, 1) if "provider" not in e}
        assert len(no_provider) == 6
        assert {n for n, p in by_line.items() if p.field == "provider"} == no_provider

        # Replicate's registration payloads leave out the task; its sync job
        # fills it in from the model's pipeline tag.
        no_task = {
            n for n, e in enumerate(raw, 1) if "provider" in e and "task" not in e
        }
        assert len(no_task) == 22
        assert {n for n, p in by_line.items() if p.field == "task"} == no_task

        # A hand-maintained client fixture maps a provider-side path with two
        # slashes as if it were a Hub repo id.
        bad_id = {
            n for n, e in enumerate(raw, 1) if e.get("hfModelId", "").count("/") > 1
        }
        assert (
            {n for n, p in by_line.items() if p.field == "hfModelId"} == bad_id == {656}
        )

        # Every other refusal is a single-model mapping disagreeing with an
        # earlier one of the same provider, model and task.
        for line, problem in by_line.items():
            if line in no_provider | no_task | bad_id:
                continue
            assert line is not None
            entry = raw[line - 1]
            earlier = [
                e
                for e in raw[: line - 1]
                if (e.get("provider"), e.get("hfModelId", "").casefold(), e.get("task"))
                == (entry["provider"], entry["hfModelId"].casefold(), entry["task"])
            ]
            assert earlier, problem
            assert problem.field in {
                "providerModel",
                "status",
                "adapter",
                "adapterWeightsPath",
            }
            assert "disagrees" in problem.message

    def test_nothing_is_lost_silently(self, data_dir: Path) -> None:
        path = data_dir / "provider_mappings.jsonl"
        raw = list(read_jsonl(path))
        result = load_files([path], lenient=True)
        singles = {
            (e["provider"], e["hfModelId"].casefold(), e["task"])
            for e in raw
            if "provider" in e
            and "task" in e
            and "hfModelId" in e
            and e["hfModelId"].count("/") <= 1
        }
        refused_lines = {p.line for p in result.problems}
        kept_filters = [m for m in result.mappings if m.is_tag_filter]
        assert len(result.mappings) - len(kept_filters) == len(singles)
        # Each filter with a provider and task is kept, duplicates included.
        assert len(kept_filters) == sum(
            1
            for n, e in enumerate(raw, 1)
            if e.get("type") == "tag-filter" and n not in refused_lines
        )


class TestRealRoutes:
    def test_lora_with_exact_mappings_takes_the_first_loaded(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        """fal-ai and wavespeed both map it exactly (live); single-model beats
        Replicate's FLUX LoRA filter, and load order puts fal-ai first."""
        route = real_resolver.resolve(hub_models["openfree/flux-chatgpt-ghibli-lora"])
        assert (route.provider, route.provider_model, route.kind) == (
            "fal-ai",
            "fal-ai/flux-lora",
            "single-model",
        )
        assert route.adapter_type == "lora"
        assert route.adapter_weights_path == "flux-chatgpt-ghibli-lora.safetensors"

    def test_preference_can_pick_another_exact_mapping(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        model = hub_models["openfree/flux-chatgpt-ghibli-lora"]
        route = real_resolver.resolve(model, caller=Caller(providers=["wavespeed"]))
        assert route.provider_model == "wavespeed-ai/flux-dev-lora"

    def test_preference_ranks_a_tag_filter_above_an_exact_mapping(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        model = hub_models["openfree/flux-chatgpt-ghibli-lora"]
        route = real_resolver.resolve(model, caller=Caller(providers=["replicate"]))
        assert (route.provider, route.provider_model, route.kind) == (
            "replicate",
            "black-forest-labs/flux-dev-lora",
            "tag-filter",
        )

    @pytest.mark.parametrize(
        "model_id", ["XLabs-AI/flux-RealismLora", "Datou1111/shou_xin"]
    )
    def test_flux_loras_route_through_replicate_filter(
        self, real_resolver: Resolver, hub_models: dict[str, Model], model_id: str
    ) -> None:
        """Both carry `lora` and `base_model:adapter:black-forest-labs/FLUX.1-dev`;
        shou_xin has no pipeline_tag and so accepts the filter's task."""
        route = real_resolver.resolve(hub_models[model_id])
        assert (route.provider_model, route.adapter_type, route.task) == (
            "black-forest-labs/flux-dev-lora",
            "lora",
            "text-to-image",
        )

    def test_capitalised_flux_tag_does_not_match_old_filter(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        """XLabs' repo is tagged `Flux`; the superseded filter wants `flux`."""
        explanation = real_resolver.explain(hub_models["XLabs-AI/flux-RealismLora"])
        (old,) = [c for c in explanation.candidates if c.route.tags == ("flux", "lora")]
        assert old.reason == "tag-differs"

    def test_capitalised_lora_tag_gets_no_route(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        model = hub_models["Cseti/CogVideoX-LoRA-Wallace_and_Gromit"]
        with pytest.raises(NoRouteError) as caught:
            real_resolver.resolve(model)
        assert caught.value.candidates
        assert {c.reason for c in caught.value.candidates} == {"missing-tag"}
        assert all("'LoRA'" in c.detail for c in caught.value.candidates)

    def test_exact_pipeline_tag_beats_conversational(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        """Llama-3.1-8B-Instruct is text-generation. featherless-ai maps it for
        text-generation (unstated status at line 192, stated live at line 637:
        one mapping, live); every other live mapping is conversational."""
        route = real_resolver.resolve(hub_models["meta-llama/Llama-3.1-8B-Instruct"])
        assert (route.provider, route.task, route.status) == (
            "featherless-ai",
            "text-generation",
            "live",
        )

    def test_staging_only_for_members(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        """hf-inference maps it live for conversational (line 27) and, with no
        status, so staging, for text-generation (line 346)."""
        model = hub_models["meta-llama/Llama-3.1-8B-Instruct"]
        public = real_resolver.resolve(model, caller=Caller(providers=["hf-inference"]))
        member = real_resolver.resolve(
            model, caller=Caller(orgs={"hf-inference"}, providers=["hf-inference"])
        )
        assert (public.task, public.visibility) == ("conversational", "public")
        assert (member.task, member.visibility) == ("text-generation", "org")

    def test_find_and_explain_agree_on_every_real_model(
        self, real_resolver: Resolver, hub_models: dict[str, Model]
    ) -> None:
        assert len(hub_models) == 2022
        for model in hub_models.values():
            route = real_resolver.find(model)
            explanation = real_resolver.explain(model)
            assert explanation.route is route
