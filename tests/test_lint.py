"""``resolver lint``: each finding on a crafted rule set, and the real data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.cli import cli
from resolver.kit.lint import (
    Finding,
    _shadows,
    common_tags,
    lint_files,
    shadowing_filter,
)
from resolver.kit.pipeline_tags import PIPELINE_TAGS, is_mapping_task
from resolver.loading import MappingLoader, load_entries
from resolver.model import Model
from resolver.models_file import read_models

FLUX = "base_model:adapter:black-forest-labs/FLUX.1-dev"
KONTEXT = "base_model:adapter:black-forest-labs/FLUX.1-Kontext-dev"


def tag_filter(
    tags: list[str],
    provider_model: str = "p/lora",
    *,
    provider: str = "fal-ai",
    task: str = "text-to-image",
    status: str = "live",
) -> dict[str, Any]:
    return {
        "provider": provider,
        "type": "tag-filter",
        "task": task,
        "tags": tags,
        "providerModel": provider_model,
        "status": status,
    }


def single(
    model: str,
    provider_model: str,
    *,
    provider: str = "fal-ai",
    status: str = "live",
    adapter: str | None = "lora",
) -> dict[str, Any]:
    entry = {
        "provider": provider,
        "hfModel": model,
        "task": "text-to-image",
        "providerModel": provider_model,
        "status": status,
    }
    if adapter is not None:
        entry["adapterType"] = adapter
    return entry


def write_rules(tmp_path: Path, *entries: Any) -> Path:
    path = tmp_path / "rules.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def codes(findings: list[Finding]) -> list[tuple[int | None, str]]:
    return [(finding.line, finding.code) for finding in findings]


class TestDuplicates:
    def test_repeated_single_model_entry_is_reported_where_it_repeats(
        self, tmp_path: Path
    ) -> None:
        rules = write_rules(
            tmp_path,
            single("acme/style-lora", "p/lora"),
            tag_filter(["lora"], "p/other"),
            single("ACME/Style-Lora", "p/lora"),
        )
        findings = lint_files([rules])
        assert codes(findings) == [(3, "duplicate-mapping")]
        assert findings[0].severity == "warning"
        assert "line 1" in findings[0].message


class TestShadowing:
    def test_exact_duplicate_filter_is_redundant(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", FLUX]), tag_filter(["lora", FLUX])
        )
        findings = lint_files([rules])
        assert codes(findings) == [(2, "redundant-filter")]
        assert findings[0].severity == "warning"
        assert "line 1" in findings[0].message

    def test_same_tags_other_provider_model_is_shadowed_error(
        self, tmp_path: Path
    ) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", FLUX], "a"), tag_filter([FLUX, "lora"], "b")
        )
        findings = lint_files([rules])
        assert codes(findings) == [(2, "shadowed-filter")]
        assert findings[0].severity == "error"

    def test_staging_filter_does_not_shadow_a_live_one(self, tmp_path: Path) -> None:
        # The public never sees the staging filter, so the live one routes them;
        # for the organisation both are visible and only load order decides.
        rules = write_rules(
            tmp_path,
            tag_filter(["lora"], "a", status="staging"),
            tag_filter(["lora"], "b", status="live"),
        )
        assert codes(lint_files([rules])) == [(2, "ambiguous-filters")]

    def test_live_filter_shadows_a_later_staging_one(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path,
            tag_filter(["lora"], "a", status="live"),
            tag_filter(["lora"], "b", status="staging"),
        )
        assert codes(lint_files([rules])) == [(2, "shadowed-filter")]

    def test_other_provider_or_task_never_shadows(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path,
            tag_filter(["lora"], "a"),
            tag_filter(["lora"], "b", provider="replicate"),
            tag_filter(["lora"], "c", task="image-to-image"),
        )
        assert lint_files([rules]) == []

    def test_more_specific_filter_does_not_shadow_a_broader_one(
        self, tmp_path: Path
    ) -> None:
        # A model carrying only "lora" still reaches the broader filter.
        rules = write_rules(
            tmp_path, tag_filter(["lora", FLUX], "a"), tag_filter(["lora"], "b")
        )
        assert lint_files([rules]) == []

    def test_repeated_tag_counts_once(self, tmp_path: Path) -> None:
        # Required tags are a set: ["lora", "lora"] is the one-tag filter
        # ["lora"], less specific than ["lora", "x"], which it cannot shadow.
        rules = write_rules(
            tmp_path, tag_filter(["lora", "lora"], "a"), tag_filter(["lora", "x"], "b")
        )
        assert lint_files([rules]) == []

    def test_filter_in_error_state_is_reported_not_shadowed(
        self, tmp_path: Path
    ) -> None:
        rules = write_rules(
            tmp_path,
            tag_filter(["lora"], "a"),
            tag_filter(["lora"], "b", status="error"),
        )
        assert codes(lint_files([rules])) == [(2, "error-status")]


class TestAmbiguity:
    def test_equal_specificity_different_models_that_can_co_occur(
        self, tmp_path: Path
    ) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", "flux"], "a"), tag_filter(["lora", FLUX], "b")
        )
        findings = lint_files([rules])
        assert codes(findings) == [(2, "ambiguous-filters")]
        assert findings[0].severity == "error"

    def test_two_adapter_bases_never_meet_on_one_model(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path,
            tag_filter(["lora", FLUX], "a"),
            tag_filter(["lora", KONTEXT], "b"),
        )
        assert lint_files([rules]) == []

    def test_same_provider_model_is_no_tie(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", "flux"], "a"), tag_filter(["lora", FLUX], "a")
        )
        assert lint_files([rules]) == []


class TestTagsAndTasks:
    def test_spaces_and_case(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter([" lora", FLUX]), tag_filter(["LoRA", KONTEXT])
        )
        findings = lint_files([rules])
        assert codes(findings) == [(1, "tag-spaces"), (2, "tag-case")]
        assert all(finding.severity == "warning" for finding in findings)
        assert "'lora'" in findings[1].message

    def test_prefix_in_another_case(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", "Base_Model:Adapter:org/base"])
        )
        assert codes(lint_files([rules])) == [(1, "tag-case")]

    def test_models_file_spelling_joins_the_vocabulary(self) -> None:
        models = [Model("a/b", ["Flux"]), Model("c/d", ["Flux", "LoRA"])]
        vocabulary = common_tags(models)
        assert vocabulary["flux"] == "Flux"
        # A built-in spelling wins over any models file.
        assert vocabulary["lora"] == "lora"

    def test_invalid_base_model_id(self, tmp_path: Path) -> None:
        rules = write_rules(tmp_path, tag_filter(["lora", "base_model:adapter:a/b/c"]))
        findings = lint_files([rules])
        assert codes(findings) == [(1, "bad-base-model")]
        assert findings[0].severity == "error"

    def test_unknown_task(self, tmp_path: Path) -> None:
        rules = write_rules(tmp_path, tag_filter(["lora"], task="Text-To-Image"))
        findings = lint_files([rules])
        assert codes(findings) == [(1, "unknown-task")]
        assert "'text-to-image'" in findings[0].message

    def test_pipeline_tags(self) -> None:
        assert len(PIPELINE_TAGS) == len(set(PIPELINE_TAGS))
        assert is_mapping_task("conversational")
        assert is_mapping_task("text-to-image")
        assert not is_mapping_task("text-to-img")


class TestRedundantSingleModel:
    MODELS = (Model("me/lora", ["lora", FLUX], "text-to-image"),)

    def test_single_model_routed_identically_by_a_filter(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", FLUX], "a"), single("me/lora", "a")
        )
        findings = lint_files([rules], self.MODELS)
        assert codes(findings) == [(2, "redundant-single-model")]
        assert lint_files([rules]) == []  # needs model records

    def test_single_model_without_adapter_is_not_redundant(
        self, tmp_path: Path
    ) -> None:
        # The filter's route is a LoRA route; the single-model one is not.
        rules = write_rules(
            tmp_path,
            tag_filter(["lora", FLUX], "a"),
            single("me/lora", "a", adapter=None),
        )
        assert lint_files([rules], self.MODELS) == []

    def test_other_provider_model_is_not_redundant(self, tmp_path: Path) -> None:
        rules = write_rules(
            tmp_path, tag_filter(["lora", FLUX], "a"), single("me/lora", "b")
        )
        assert lint_files([rules], self.MODELS) == []

    def test_live_single_model_over_staging_filter_is_not_redundant(
        self, tmp_path: Path
    ) -> None:
        # Without it the public would get no route.
        rules = write_rules(
            tmp_path,
            tag_filter(["lora", FLUX], "a", status="staging"),
            single("me/lora", "a"),
        )
        assert lint_files([rules], self.MODELS) == []


class TestLoading:
    def test_bad_entries_are_errors_and_do_not_hide_the_rest(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "rules.jsonl"
        lines = [
            json.dumps(tag_filter([], "a")),
            "{not json",
            json.dumps(tag_filter(["LoRA"], "b")),
        ]
        path.write_text("\n".join(lines) + "\n")
        findings = lint_files([path])
        assert codes(findings) == [
            (1, "load-problem"),
            (2, "load-problem"),
            (3, "tag-case"),
        ]


class TestCommand:
    def test_exit_codes(self, tmp_path: Path) -> None:
        runner = CliRunner()
        clean = write_rules(tmp_path, tag_filter(["lora", FLUX]))
        assert runner.invoke(cli, ["lint", str(clean)]).exit_code == 0

        warned = tmp_path / "warned.jsonl"
        warned.write_text(json.dumps(tag_filter(["LoRA"])) + "\n")
        result = runner.invoke(cli, ["lint", str(warned)])
        assert result.exit_code == 0
        assert "warning: tag-case" in result.output

        bad = tmp_path / "bad.jsonl"
        bad.write_text(json.dumps(tag_filter(["lora"], task="txt2img")) + "\n")
        assert runner.invoke(cli, ["lint", str(bad)]).exit_code == 1

        assert (
            runner.invoke(cli, ["lint", str(tmp_path / "absent.json")]).exit_code == 2
        )
        broken = tmp_path / "broken.json"
        broken.write_text("[{")
        assert runner.invoke(cli, ["lint", str(broken)]).exit_code == 2

    def test_json(self, tmp_path: Path) -> None:
        rules = write_rules(tmp_path, tag_filter(["lora"]), tag_filter(["lora"]))
        result = CliRunner().invoke(cli, ["lint", "--json", str(rules)])
        document = json.loads(result.output)
        assert document["errors"] == 0
        assert document["warnings"] == 1
        assert document["findings"][0]["code"] == "redundant-filter"
        assert document["findings"][0]["line"] == 2


@pytest.fixture(scope="module")
def findings(data_dir: Path) -> list[Finding]:
    models = read_models(data_dir / "hub_models.jsonl")
    return lint_files([data_dir / "provider_mappings.jsonl"], models)


class TestRealData:
    def test_superseded_flux_filter(
        self, findings: list[Finding], data_dir: Path
    ) -> None:
        # The first Replicate rule ["flux", "lora"] ties with the superseded
        # Kontext text-to-image rule, and spells "flux" where the one Hub model
        # of the file tagged so (XLabs-AI/flux-RealismLora) writes "Flux".
        lines = _lines_of(data_dir, lambda e: e.get("tags") == ["flux", "lora"])
        assert len(lines) == 1
        about = {f.code for f in findings if f.line == lines[0]}
        assert about == {"ambiguous-filters", "tag-case"}

    def test_every_refused_entry_is_an_error(
        self, findings: list[Finding], data_dir: Path
    ) -> None:
        loader = MappingLoader()
        loader.add_file(data_dir / "provider_mappings.jsonl")
        problems = loader.result().problems
        refused = [f for f in findings if f.code == "load-problem"]
        assert [f.line for f in refused] == [p.line for p in problems]
        assert all(f.severity == "error" for f in refused)
        # Entries without provider or task, duplicates that disagree, a bad id.
        assert len(refused) > 10

    def test_command_exits_1(self, data_dir: Path) -> None:
        result = CliRunner().invoke(
            cli, ["lint", str(data_dir / "provider_mappings.jsonl")]
        )
        assert result.exit_code == 1
        assert "ambiguous-filters" in result.output


def _lines_of(data_dir: Path, predicate: Any) -> list[int]:
    lines = []
    with (data_dir / "provider_mappings.jsonl").open() as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip() and predicate(json.loads(line)):
                lines.append(number)
    return lines


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["lora", "style", FLUX]), min_size=1, max_size=3),
            st.sampled_from(["live", "staging", "error"]),
        ),
        max_size=10,
    )
)
def test_the_one_pass_shadow_search_agrees_with_the_definition(
    filters: list[tuple[list[str], str]],
) -> None:
    entries = [
        tag_filter(tags, f"p/{n}", status=status)
        for n, (tags, status) in enumerate(filters)
    ]
    mappings = load_entries(entries).mappings
    one_pass = _shadows(mappings)
    for mapping in mappings:
        assert one_pass.get(mapping.order) == shadowing_filter(mapping, mappings)


def test_ties_are_reported_once_per_filter(tmp_path: Path) -> None:
    rules = write_rules(
        tmp_path,
        tag_filter(["lora", "a"], "p/a"),
        tag_filter(["lora", "b"], "p/b"),
        tag_filter(["lora", "c"], "p/c"),
    )
    findings = lint_files([rules])
    assert codes(findings) == [(2, "ambiguous-filters"), (3, "ambiguous-filters")]
    assert "(and 1 more)" in findings[1].message
