"""Reading mappings: every input shape of the contract, and every refused input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from resolver import Mapping, MappingError, Resolver
from resolver.loading import MappingLoader, load_entries, load_files

FLUX_LORA_TAGS = ["lora", "base_model:adapter:black-forest-labs/FLUX.1-dev"]


def registration(**overrides: Any) -> dict[str, Any]:
    body = {
        "provider": "together",
        "task": "conversational",
        "hfModel": "meta-llama/Llama-3.3-70B-Instruct",
        "providerModel": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "status": "live",
    }
    body.update(overrides)
    return body


def tag_filter(**overrides: Any) -> dict[str, Any]:
    body = {
        "provider": "fal-ai",
        "type": "tag-filter",
        "task": "text-to-image",
        "tags": FLUX_LORA_TAGS,
        "providerModel": "fal-ai/flux-lora",
        "adapterType": "lora",
        "status": "live",
    }
    body.update(overrides)
    return body


class TestShapes:
    def test_single_model_registration_body(self) -> None:
        (mapping,) = load_entries([registration()]).mappings
        assert mapping.kind == "single-model"
        assert mapping.provider == "together"
        assert mapping.hf_model == "meta-llama/Llama-3.3-70B-Instruct"
        assert mapping.provider_model == "meta-llama/Llama-3.3-70B-Instruct-Turbo"
        assert mapping.task == "conversational"
        assert mapping.status == "live"
        assert mapping.adapter_type is None

    def test_tag_filter_registration_body(self) -> None:
        (mapping,) = load_entries([tag_filter()]).mappings
        assert mapping.kind == "tag-filter"
        assert mapping.tags == tuple(FLUX_LORA_TAGS)
        assert mapping.hf_model is None
        assert mapping.adapter_type == "lora"

    def test_missing_status_means_staging(self) -> None:
        body = registration()
        del body["status"]
        (mapping,) = load_entries([body]).mappings
        assert mapping.status == "staging"

    def test_hub_list_entry(self) -> None:
        entry = {
            "provider": "fal-ai",
            "hfModelId": "nerijs/pixel-art-xl",
            "providerId": "fal-ai/lora",
            "status": "live",
            "task": "text-to-image",
            "adapter": "lora",
            "adapterWeightsPath": "pixel-art-xl.safetensors",
        }
        (mapping,) = load_entries([entry]).mappings
        assert mapping.kind == "single-model"
        assert mapping.hf_model == "nerijs/pixel-art-xl"
        assert mapping.provider_model == "fal-ai/lora"
        assert mapping.adapter_type == "lora"
        assert mapping.adapter_weights_path == "pixel-art-xl.safetensors"

    def test_hub_list_entry_tag_filter(self) -> None:
        entry = {
            "provider": "replicate",
            "type": "tag-filter",
            "tags": FLUX_LORA_TAGS,
            "providerId": "black-forest-labs/flux-dev-lora",
            "status": "live",
            "task": "text-to-image",
            "adapterType": "lora",
        }
        (mapping,) = load_entries([entry]).mappings
        assert mapping.kind == "tag-filter"
        assert mapping.provider_model == "black-forest-labs/flux-dev-lora"

    @pytest.mark.parametrize("spelling", ["single-model", "single-file"])
    def test_both_single_model_type_spellings(self, spelling: str) -> None:
        (mapping,) = load_entries([registration(type=spelling)]).mappings
        assert mapping.kind == "single-model"

    def test_dict_form_takes_provider_from_key(self) -> None:
        info = {
            "id": "google/gemma-3-27b-it",
            "inferenceProviderMapping": {
                "featherless-ai": {
                    "status": "live",
                    "providerId": "google/gemma-3-27b-it",
                    "task": "conversational",
                    "isModelAuthor": False,
                },
                "scaleway": {
                    "status": "live",
                    "providerId": "gemma-3-27b-it",
                    "task": "conversational",
                },
            },
        }
        mappings = load_entries([info]).mappings
        assert [(m.provider, m.provider_model) for m in mappings] == [
            ("featherless-ai", "google/gemma-3-27b-it"),
            ("scaleway", "gemma-3-27b-it"),
        ]
        assert {m.hf_model for m in mappings} == {"google/gemma-3-27b-it"}

    def test_model_info_list_form(self) -> None:
        loader = MappingLoader()
        loader.add_model_info(
            "openfree/flux-chatgpt-ghibli-lora",
            [
                {
                    "provider": "fal-ai",
                    "providerId": "fal-ai/flux-lora",
                    "status": "live",
                    "task": "text-to-image",
                    "adapter": "lora",
                    "adapterWeightsPath": "flux-chatgpt-ghibli-lora.safetensors",
                }
            ],
        )
        (mapping,) = loader.finish().mappings
        assert mapping.hf_model == "openfree/flux-chatgpt-ghibli-lora"
        assert mapping.adapter_weights_path == "flux-chatgpt-ghibli-lora.safetensors"

    def test_partner_listing_grouped_by_task(self) -> None:
        listing = {
            "text-to-image": {
                "black-forest-labs/FLUX.1-Canny-dev": {
                    "_id": "x",
                    "providerId": "black-forest-labs/FLUX.1-canny",
                    "status": "live",
                },
                "tag-filter=base_model:adapter:stabilityai/stable-diffusion-xl-base-1.0,lora": {  # noqa: E501
                    "_id": "y",
                    "status": "live",
                    "providerId": "sdxl-lora-mutualized",
                    "adapterType": "lora",
                    "type": "tag-filter",
                    "tags": [
                        "base_model:adapter:stabilityai/stable-diffusion-xl-base-1.0",
                        "lora",
                    ],
                },
            },
            "conversational": {
                "deepseek-ai/DeepSeek-R1": {
                    "providerId": "deepseek-ai/DeepSeek-R1",
                    "status": "staging",
                }
            },
        }
        loader = MappingLoader()
        loader.add_partner_listing("nebius", listing)
        single, lora, chat = loader.finish().mappings
        assert (single.provider, single.task, single.hf_model) == (
            "nebius",
            "text-to-image",
            "black-forest-labs/FLUX.1-Canny-dev",
        )
        assert lora.kind == "tag-filter"
        assert lora.tags == (
            "base_model:adapter:stabilityai/stable-diffusion-xl-base-1.0",
            "lora",
        )
        assert (chat.task, chat.status) == ("conversational", "staging")

    def test_partner_listing_tags_from_key_when_value_has_none(self) -> None:
        loader = MappingLoader()
        loader.add_partner_listing(
            "fal-ai",
            {
                "text-to-image": {
                    "tag-filter=lora,style": {"providerId": "x", "status": "live"}
                }
            },
        )
        (mapping,) = loader.finish().mappings
        assert mapping.kind == "tag-filter"
        assert mapping.tags == ("lora", "style")

    def test_unknown_fields_are_ignored(self) -> None:
        (mapping,) = load_entries(
            [registration(_id="abc", isModelAuthor=True, extra={"a": 1})]
        ).mappings
        assert mapping.provider_model == "meta-llama/Llama-3.3-70B-Instruct-Turbo"


class TestRefused:
    """Each refused input names the source, the entry position and the field."""

    @pytest.mark.parametrize(
        ("entry", "field"),
        [
            (tag_filter(tags=[]), "tags"),
            (tag_filter(tags=["lora", "  "]), "tags[1]"),
            (tag_filter(tags=["lora", ""]), "tags[1]"),
            (tag_filter(adapterType="lycoris"), "adapterType"),
            (registration(status="Live"), "status"),
            (registration(status="paused"), "status"),
            (registration(hfModel="not a repo id"), "hfModel"),
            (registration(hfModel="a/b/c"), "hfModel"),
            (registration(providerModel=None), "providerModel"),
            (registration(task=5), "task"),
            (registration(provider=""), "provider"),
            (registration(type="multi-model"), "type"),
            (registration(provider=" fal-ai"), "provider"),
            (registration(adapterWeightsPath="../../etc/passwd"), "adapterWeightsPath"),
            (registration(adapterWeightsPath="/abs.safetensors"), "adapterWeightsPath"),
            (registration(task="text-to-image "), "task"),
        ],
    )
    def test_refused_entry_names_field(self, entry: dict[str, Any], field: str) -> None:
        with pytest.raises(MappingError) as caught:
            load_entries([registration(), entry], source="rules.json")
        (problem,) = caught.value.problems
        assert (problem.source, problem.entry, problem.field) == (
            "rules.json",
            1,
            field,
        )
        assert "rules.json" in str(caught.value)

    def test_missing_provider_model(self) -> None:
        body = registration()
        del body["providerModel"]
        with pytest.raises(MappingError) as caught:
            load_entries([body])
        assert [p.field for p in caught.value.problems] == ["providerModel"]

    def test_single_model_without_model_id(self) -> None:
        body = registration()
        del body["hfModel"]
        with pytest.raises(MappingError) as caught:
            load_entries([body])
        assert [p.field for p in caught.value.problems] == ["hfModel"]

    def test_model_info_response_with_invalid_id(self) -> None:
        info = {
            "id": "not a repo id",
            "inferenceProviderMapping": {
                "together": {"providerId": "m", "status": "live", "task": "t"}
            },
        }
        with pytest.raises(MappingError) as caught:
            load_entries([info])
        assert [p.field for p in caught.value.problems] == ["id"]

    def test_dict_form_value_names_provider_and_field(self) -> None:
        info = {
            "id": "a/b",
            "inferenceProviderMapping": {
                "together": {"providerId": "m", "task": "t", "status": "on"}
            },
        }
        with pytest.raises(MappingError) as caught:
            load_entries([info])
        fields = [p.field for p in caught.value.problems]
        assert fields == ["inferenceProviderMapping.together.status"]

    def test_partner_listing_with_invalid_model_key(self) -> None:
        loader = MappingLoader()
        loader.add_partner_listing(
            "together",
            {"conversational": {"a/b/c": {"providerId": "m", "status": "live"}}},
        )
        with pytest.raises(MappingError) as caught:
            loader.finish()
        assert [p.field for p in caught.value.problems] == ["conversational.a/b/c"]

    def test_conflicting_single_model_mappings(self) -> None:
        other = registration(providerModel="another-model")
        with pytest.raises(MappingError) as caught:
            load_entries([registration(), other])
        (problem,) = caught.value.problems
        assert (problem.entry, problem.field) == (1, "providerModel")

    def test_conflict_is_found_regardless_of_model_id_case(self) -> None:
        other = registration(
            hfModel="META-LLAMA/llama-3.3-70b-instruct", providerModel="x"
        )
        with pytest.raises(MappingError):
            load_entries([registration(), other])

    def test_same_mapping_for_another_task_is_no_conflict(self) -> None:
        other = registration(task="text-generation", providerModel="another-model")
        assert len(load_entries([registration(), other]).mappings) == 2

    def test_refused_mapping_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="status"):
            load_entries([registration(status="Live")])

    def test_every_problem_is_reported_at_once(self) -> None:
        entries = [registration(status="Live"), tag_filter(tags=[]), "not an object"]
        with pytest.raises(MappingError) as caught:
            load_entries(entries)
        assert [(p.entry, p.field) for p in caught.value.problems] == [
            (0, "status"),
            (1, "tags"),
            (2, ""),
        ]

    @pytest.mark.parametrize(
        "entry",
        [[], 5, None, {"provider": ["x"]}, {"hfModel": {"a": 1}}, {"tags": "lora"}],
    )
    def test_nonsense_raises_only_mapping_error(self, entry: Any) -> None:
        with pytest.raises(MappingError):
            load_entries([entry])


class TestMerging:
    def test_identical_mapping_from_two_sources_is_one(self) -> None:
        listing_entry = {
            "provider": "together",
            "hfModelId": "meta-llama/Llama-3.3-70B-Instruct",
            "providerId": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "status": "live",
            "task": "conversational",
        }
        assert len(load_entries([registration(), listing_entry]).mappings) == 1

    def test_explicit_status_completes_a_defaulted_one(self) -> None:
        unstated = registration()
        del unstated["status"]
        (mapping,) = load_entries([unstated, registration(status="live")]).mappings
        assert mapping.status == "live"

    def test_two_explicit_statuses_that_differ_conflict(self) -> None:
        with pytest.raises(MappingError) as caught:
            load_entries([registration(status="live"), registration(status="staging")])
        assert caught.value.problems[0].field == "status"


class TestFiles:
    def write(self, tmp_path: Path, name: str, content: Any) -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else json.dumps(content)
        path.write_text(text, encoding="utf-8")
        return path

    def test_json_list(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, "rules.json", [registration(), tag_filter()])
        assert len(load_files([path]).mappings) == 2

    def test_json_object_with_provider_orgs(self, tmp_path: Path) -> None:
        document = {
            "mappings": [tag_filter(status="staging")],
            "providerOrgs": {"fal-ai": "fal-staff"},
        }
        path = self.write(tmp_path, "rules.json", document)
        resolver = Resolver.from_files([path])
        assert resolver.routes[0].provider_org == "fal-staff"

    def test_provider_orgs_argument_overrides_file(self, tmp_path: Path) -> None:
        document = {"mappings": [tag_filter()], "providerOrgs": {"fal-ai": "fal-staff"}}
        path = self.write(tmp_path, "rules.json", document)
        resolver = Resolver.from_files([path], provider_orgs={"fal-ai": "fal-ops"})
        assert resolver.routes[0].provider_org == "fal-ops"

    def test_json_lines_reports_line_numbers(self, tmp_path: Path) -> None:
        lines = [
            json.dumps(registration()),
            "",
            json.dumps(registration(status="Live", task="x")),
        ]
        path = self.write(tmp_path, "rules.jsonl", "\n".join(lines))
        with pytest.raises(MappingError) as caught:
            load_files([path])
        (problem,) = caught.value.problems
        assert (problem.line, problem.field) == (3, "status")
        assert str(problem).startswith(f"{path}: line 3: field 'status'")

    def test_invalid_json_line(self, tmp_path: Path) -> None:
        path = self.write(
            tmp_path, "rules.jsonl", json.dumps(registration()) + "\n{oops\n"
        )
        result = load_files([path], lenient=True)
        assert len(result.mappings) == 1
        assert [p.line for p in result.problems] == [2]

    def test_invalid_json_file(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, "rules.json", "[{]")
        with pytest.raises(MappingError, match="invalid JSON"):
            load_files([path])

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(MappingError, match="cannot read"):
            load_files([tmp_path / "absent.json"])

    def test_raw_partner_listing_file_needs_its_provider(self, tmp_path: Path) -> None:
        listing = {
            "conversational": {
                "deepseek-ai/DeepSeek-R1": {"providerId": "r1", "status": "live"}
            }
        }
        path = self.write(tmp_path, "listing.json", listing)
        with pytest.raises(MappingError, match="partner listing"):
            load_files([path])
        (mapping,) = load_files([path], listing_provider="together").mappings
        assert mapping.provider == "together"

    def test_lenient_load_keeps_good_entries_and_reports_bad(
        self, tmp_path: Path
    ) -> None:
        path = self.write(
            tmp_path,
            "rules.json",
            [registration(), registration(status="Live", task="x")],
        )
        resolver = Resolver.from_files([path], lenient=True)
        assert len(resolver) == 1
        assert [(p.entry, p.field) for p in resolver.problems] == [(1, "status")]

    def test_strict_load_changes_nothing(self, tmp_path: Path) -> None:
        good = self.write(tmp_path, "good.json", [registration()])
        bad = self.write(tmp_path, "bad.json", [tag_filter(tags=[])])
        with pytest.raises(MappingError) as caught:
            Resolver.from_files([good, bad])
        assert [p.source for p in caught.value.problems] == [str(bad)]

    def test_load_order_spans_files(self, tmp_path: Path) -> None:
        first = self.write(tmp_path, "a.json", [tag_filter()])
        second = self.write(tmp_path, "b.json", [registration()])
        mappings = load_files([first, second]).mappings
        assert [m.order for m in mappings] == [0, 1]
        assert [m.source for m in mappings] == [str(first), str(second)]


class TestHostileInput:
    """Input that once escaped as a builtin error or loaded something wrong."""

    def test_deeply_nested_json_file(self, tmp_path: Path) -> None:
        path = tmp_path / "deep.json"
        path.write_text("[" * 5000 + "]" * 5000)
        with pytest.raises(MappingError, match="nested too deeply"):
            load_files([path])

    def test_deeply_nested_json_line_spares_the_others(self, tmp_path: Path) -> None:
        path = tmp_path / "deep.jsonl"
        path.write_text(json.dumps(registration()) + "\n" + "[" * 5000 + "]" * 5000)
        result = load_files([path], lenient=True)
        assert len(result.mappings) == 1
        assert [p.line for p in result.problems] == [2]

    def test_deeply_nested_field_value(self) -> None:
        deep: Any = []
        for _ in range(2000):
            deep = [deep]
        with pytest.raises(MappingError) as caught:
            load_entries([registration(status=deep)])
        assert caught.value.problems[0].field == "status"

    @pytest.mark.parametrize("field", ["hfModel", "provider", "providerModel", "task"])
    def test_lone_surrogate(self, field: str) -> None:
        value = "a/\ud800" if field == "hfModel" else "\ud800"
        with pytest.raises(MappingError) as caught:
            load_entries([registration(**{field: value})])
        (problem,) = caught.value.problems
        assert problem.field == field
        str(problem).encode("utf-8")  # printable

    def test_unicode_line_breaks_inside_json_lines_strings(
        self, tmp_path: Path
    ) -> None:
        entry = {**registration(), "note": "a\u2028b\x85c"}
        path = tmp_path / "rules.jsonl"
        path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
        assert len(load_files([path]).mappings) == 1

    def test_byte_order_mark(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        path.write_text("\ufeff" + json.dumps([registration()]), encoding="utf-8")
        assert len(load_files([path]).mappings) == 1

    def test_path_with_nul(self) -> None:
        with pytest.raises(MappingError, match="cannot read"):
            load_files(["rules\x00.json"])

    def test_single_path_is_one_file(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        path.write_text(json.dumps([registration()]))
        assert len(load_files(str(path)).mappings) == 1

    @pytest.mark.parametrize("key", ["", "  ", "\ud800"])
    def test_blank_provider_key_in_dict_form(self, key: str) -> None:
        info = {
            "id": "a/b",
            "inferenceProviderMapping": {key: {"providerId": "x", "task": "t"}},
        }
        with pytest.raises(MappingError, match="provider key"):
            load_entries([info])

    @pytest.mark.parametrize("task", ["", "  "])
    def test_blank_task_group_in_partner_listing(self, task: str) -> None:
        loader = MappingLoader()
        loader.add_partner_listing("p", {task: {"a/b": {"providerId": "x"}}})
        with pytest.raises(MappingError, match="blank"):
            loader.finish()

    @pytest.mark.parametrize("provider", ["", None, 123])
    def test_partner_listing_needs_a_provider_name(self, provider: Any) -> None:
        loader = MappingLoader()
        loader.add_partner_listing(provider, {"t": {"a/b": {"providerId": "x"}}})
        with pytest.raises(MappingError, match="partner listing"):
            loader.finish()

    def test_bad_mappings_member_discards_the_files_org_table(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "rules.json"
        path.write_text(json.dumps({"mappings": "oops", "providerOrgs": {"a": "b"}}))
        result = load_files([path], lenient=True)
        assert result.provider_orgs == {}

    def test_org_table_problem_names_the_provider(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        document = {"mappings": [], "providerOrgs": {"fal-ai": 5}}
        path.write_text(json.dumps(document))
        with pytest.raises(MappingError) as caught:
            load_files([path])
        assert [p.field for p in caught.value.problems] == ["providerOrgs.fal-ai"]

    def test_long_input_is_shortened_in_messages(self) -> None:
        with pytest.raises(MappingError) as caught:
            load_entries([registration(status="x" * 100_000)])
        assert len(str(caught.value)) < 500


class TestWhatAnEntryIs:
    """An entry names a model or tags; never both left to a guess."""

    def test_hub_entry_of_type_tag_filter_is_about_its_model(self) -> None:
        # The Hub lists the tag filters covering a model among the model's own
        # mappings, with the model's id and no tags.
        entry = {
            "provider": "fal-ai",
            "hfModelId": "acme/style-lora",
            "providerId": "fal-ai/flux-lora",
            "status": "live",
            "task": "text-to-image",
            "adapter": "lora",
            "adapterWeightsPath": "style.safetensors",
            "type": "tag-filter",
        }
        (mapping,) = load_entries([entry]).mappings
        assert (mapping.hf_model, mapping.tags) == ("acme/style-lora", ())
        assert mapping.adapter_weights_path == "style.safetensors"

    def test_hub_entry_with_model_and_tags_does_not_spread_its_weights(self) -> None:
        entry = {
            "provider": "fal-ai",
            "hfModelId": "acme/style-lora",
            "providerId": "fal-ai/flux-lora",
            "status": "live",
            "task": "text-to-image",
            "adapterWeightsPath": "style.safetensors",
            "type": "tag-filter",
            "tags": FLUX_LORA_TAGS,
        }
        (mapping,) = load_entries([entry]).mappings
        assert mapping.hf_model == "acme/style-lora"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"type": "tag-filter", "tags": FLUX_LORA_TAGS}, "hfModel"),
            ({"type": "single-model", "tags": FLUX_LORA_TAGS}, "tags"),
            ({"tags": FLUX_LORA_TAGS}, "type"),
        ],
    )
    def test_registration_naming_both_is_refused(
        self, overrides: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(MappingError) as caught:
            load_entries([registration(**overrides)])
        assert [p.field for p in caught.value.problems] == [field]

    def test_repeated_tags_count_once(self) -> None:
        (mapping,) = load_entries([tag_filter(tags=["lora", "lora", "x"])]).mappings
        assert mapping.tags == ("lora", "x")

    def test_list_form_item_naming_another_model(self) -> None:
        info = {
            "id": "a/b",
            "inferenceProviderMapping": [
                {"provider": "p", "hfModelId": "c/d", "providerId": "x", "task": "t"}
            ],
        }
        with pytest.raises(MappingError) as caught:
            load_entries([info])
        assert caught.value.problems[0].field == "inferenceProviderMapping[0].hfModelId"

    @pytest.mark.parametrize(
        ("value", "field"),
        [
            ({"providerId": "x", "tags": ["lora", "other"]}, "tags"),
            ({"providerId": "x", "type": "single-model"}, "type"),
            ({"providerId": "x", "task": "image-to-image"}, "task"),
        ],
    )
    def test_partner_listing_value_disagreeing_with_its_keys(
        self, value: dict[str, Any], field: str
    ) -> None:
        loader = MappingLoader()
        loader.add_partner_listing(
            "p", {"text-to-image": {"tag-filter=lora,style": value}}
        )
        with pytest.raises(MappingError) as caught:
            loader.finish()
        assert (
            caught.value.problems[0].field
            == f"text-to-image.tag-filter=lora,style.{field}"
        )


class TestMappingObjects:
    def valid(self, **overrides: Any) -> Mapping:
        fields: dict[str, Any] = {
            "provider": "fal-ai",
            "task": "text-to-image",
            "provider_model": "m",
            "status": "live",
            "kind": "tag-filter",
            "tags": ("lora",),
        }
        fields.update(overrides)
        return Mapping(**fields)

    def test_valid_mapping_object_loads(self) -> None:
        assert len(load_entries([self.valid()]).mappings) == 1

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"status": "Live"}, "status"),
            ({"tags": ()}, "tags"),
            ({"tags": "lora"}, "tags"),
            ({"kind": "single-model", "tags": ()}, "hf_model"),
            ({"kind": "single-model", "tags": (), "hf_model": 5}, "hf_model"),
            ({"kind": "other"}, "kind"),
            ({"adapter_type": "lycoris"}, "adapter_type"),
        ],
    )
    def test_invalid_mapping_object_is_refused(
        self, overrides: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(MappingError) as caught:
            load_entries([self.valid(**overrides)])
        assert caught.value.problems[0].field == field
