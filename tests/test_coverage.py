"""``resolver coverage``: captured counts, missed LoRAs, staging differences."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from resolver.cli import cli
from resolver.kit.coverage import Coverage, coverage
from resolver.model import Model
from resolver.models_file import read_models
from resolver.resolver import Resolver
from tests.test_lint import FLUX, single, tag_filter, write_rules

MODELS = [
    Model("a/one", ["lora", FLUX], "text-to-image"),
    Model("a/two", ["lora", FLUX]),
    Model("a/three", ["LoRA", "base_model:finetune:black-forest-labs/FLUX.1-dev"]),
    Model("a/four", ["lora", "base_model:adapter:other/base"], "text-to-image"),
    Model("a/plain", ["transformers"], "text-generation"),
]


def report(*entries: object) -> Coverage:
    return coverage(Resolver.from_mappings(entries), MODELS)


def counts(result: Coverage) -> list[tuple[str, int, int]]:
    return [(c.mapping.provider_model, c.captured, c.matched) for c in result.mappings]


def test_filter_captures_what_it_matches_unless_its_provider_routes_it_otherwise() -> (
    None
):
    result = report(
        tag_filter(["lora", FLUX], "fal/flux"),
        tag_filter(["lora"], "fal/any"),
        single("a/one", "fal/one"),
        tag_filter(["lora", FLUX], "rep/flux", provider="replicate"),
    )
    # a/one goes to fal's single-model mapping; a/two to the more specific
    # filter; a/four only to the broad one. Replicate's filter is not taken
    # away by fal's: a caller asking for replicate gets it.
    assert counts(result) == [
        ("fal/flux", 1, 2),
        ("fal/any", 1, 3),
        ("fal/one", 1, 1),
        ("rep/flux", 2, 2),
    ]
    assert result.mappings[0].examples == ["a/two"]
    assert result.lora_models == 4


def test_uncaptured_lora_with_nearest_miss() -> None:
    result = report(tag_filter(["lora", FLUX], "fal/flux"))
    missed = {miss.model.id: miss for miss in result.uncaptured_lora}
    assert sorted(missed) == ["a/four", "a/three"]

    three = missed["a/three"].nearest
    assert three is not None
    assert three.reason == "missing-tag"
    # Explain names the finetune relation and the case difference.
    assert "base_model:finetune:black-forest-labs/FLUX.1-dev" in three.detail
    assert "'LoRA'" in three.detail


def test_uncaptured_lora_without_any_near_mapping() -> None:
    result = report(tag_filter(["other"], "x"))
    assert all(miss.nearest is None for miss in result.uncaptured_lora)
    assert len(result.uncaptured_lora) == 4


def test_wrong_task_is_nearer_than_a_missing_tag() -> None:
    result = report(
        tag_filter(["lora", "base_model:adapter:other/base"], "far"),
        tag_filter(["lora", FLUX], "near", task="image-to-image"),
    )
    missed = {miss.model.id: miss for miss in result.uncaptured_lora}
    nearest = missed["a/one"].nearest
    assert nearest is not None
    assert (nearest.route.provider_model, nearest.reason) == ("near", "wrong-task")


def test_staging_differences() -> None:
    result = report(
        tag_filter(["lora", FLUX], "fal/staged", status="staging"),
        tag_filter(["lora"], "fal/live"),
        tag_filter(["lora"], "rep/staged", provider="replicate", status="staging"),
    )
    seen = {
        (d.provider, d.model.id): (
            d.member and d.member.provider_model,
            d.public and d.public.provider_model,
        )
        for d in result.staging
    }
    assert seen == {
        ("fal-ai", "a/one"): ("fal/staged", "fal/live"),
        ("fal-ai", "a/two"): ("fal/staged", "fal/live"),
        ("replicate", "a/one"): ("rep/staged", None),
        ("replicate", "a/two"): ("rep/staged", None),
        ("replicate", "a/four"): ("rep/staged", None),
    }
    # Staging mappings count as captures: the member's view.
    assert counts(result)[0] == ("fal/staged", 2, 2)


def test_command_text_and_json(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, tag_filter(["lora", FLUX], "fal/flux"))
    models = tmp_path / "models.jsonl"
    models.write_text(
        "".join(
            json.dumps(
                {"id": m.id, "tags": sorted(m.tags), "pipeline_tag": m.pipeline_tag}
            )
            + "\n"
            for m in MODELS
        )
    )
    runner = CliRunner()
    args = ["coverage", "--rules", str(rules), "--models", str(models)]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0
    assert "captures    2, matches    2" in text.output
    assert "LoRA-tagged models no mapping captures: 2 of 4" in text.output

    document = json.loads(runner.invoke(cli, [*args, "--json"]).output)
    assert document["mappings"][0]["captured"] == 2
    assert [m["id"] for m in document["uncapturedLora"]] == ["a/three", "a/four"]

    bad = runner.invoke(cli, ["coverage", "--rules", str(tmp_path / "none.json")])
    assert bad.exit_code == 2


def test_real_data(data_dir: Path) -> None:
    resolver = Resolver.from_files([data_dir / "provider_mappings.jsonl"], lenient=True)
    result = coverage(resolver, read_models(data_dir / "hub_models.jsonl"))
    by_tags = {
        c.mapping.tags: (c.captured, c.matched)
        for c in result.mappings
        if c.mapping.is_tag_filter
    }
    # In hub_models.jsonl three models carry lora and the FLUX.1-dev adapter tag and
    # reach Replicate's live filter (openfree's also has single-model mappings,
    # none of them Replicate's); no model of the file carries "flux" in lower case.
    assert by_tags[("lora", FLUX)] == (3, 3)
    assert by_tags[("flux", "lora")] == (0, 0)

    missed = {miss.model.id: miss for miss in result.uncaptured_lora}
    assert result.lora_models == 11
    assert set(missed) == {
        "Cseti/CogVideoX-LoRA-Wallace_and_Gromit",
        "persadian/CropSeek-LLM",
        "lovis93/Flux-2-Multi-Angles-LoRA-v2",
        "finetrainers/crush-smol-v0",
        "finetrainers/3dgs-v0",
        "finetrainers/pika-dissolve-v0",
        "finetrainers/cakeify-v0",
    }
    cseti = missed["Cseti/CogVideoX-LoRA-Wallace_and_Gromit"].nearest
    assert cseti is not None
    assert "'LoRA'" in cseti.detail
    # template:sd-lora shares no tag with any mapping.
    assert missed["finetrainers/cakeify-v0"].nearest is None

    # Mappings without a status are staging: their models differ for members.
    assert any(
        d.provider == "hf-inference" and d.public is None for d in result.staging
    )
