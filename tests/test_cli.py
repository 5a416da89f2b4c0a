"""The command line through its installed entry point, exit codes included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ENTRY_POINT = Path(sys.executable).parent / "resolver"
FLUX_LORA_TAGS = ["lora", "base_model:adapter:black-forest-labs/FLUX.1-dev"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    if not ENTRY_POINT.exists():
        pytest.fail(f"the resolver entry point is not installed at {ENTRY_POINT}")
    return subprocess.run(
        [str(ENTRY_POINT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_rules(tmp_path: Path, entries: list[Any], name: str = "rules.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return write_rules(
        tmp_path,
        [
            {
                "provider": "fal-ai",
                "type": "tag-filter",
                "task": "text-to-image",
                "tags": FLUX_LORA_TAGS,
                "providerModel": "fal-ai/flux-lora",
                "adapterType": "lora",
                "status": "staging",
            },
            {
                "provider": "replicate",
                "type": "tag-filter",
                "task": "text-to-image",
                "tags": FLUX_LORA_TAGS,
                "providerModel": "black-forest-labs/flux-dev-lora",
                "adapterType": "lora",
                "status": "live",
            },
        ],
    )


def tag_args() -> list[str]:
    return [arg for tag in FLUX_LORA_TAGS for arg in ("--tag", tag)]


class TestRoute:
    def test_route_json(self, rules: Path) -> None:
        result = run(
            "route", "acme/style-lora", "--rules", rules, *tag_args(), "--json"
        )
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert {
            k: document[k]
            for k in ("provider", "providerModel", "adapterType", "visibility", "kind")
        } == {
            "provider": "replicate",
            "providerModel": "black-forest-labs/flux-dev-lora",
            "adapterType": "lora",
            "visibility": "public",
            "kind": "tag-filter",
        }
        for key in ("status", "providerOrg", "task", "hfModel", "tags"):
            assert key in document

    def test_member_sees_staging(self, rules: Path) -> None:
        result = run(
            "route",
            "acme/style-lora",
            "--rules",
            rules,
            *tag_args(),
            "--org",
            "fal",
            "--json",
        )
        document = json.loads(result.stdout)
        assert (
            document["provider"],
            document["visibility"],
            document["providerOrg"],
        ) == ("fal-ai", "org", "fal")

    def test_preference(self, rules: Path) -> None:
        result = run(
            "route",
            "acme/x",
            "--rules",
            rules,
            *tag_args(),
            "--prefer",
            "fal-ai",
            "--json",
        )
        # fal-ai is preferred but hidden from a non-member: replicate serves.
        assert json.loads(result.stdout)["provider"] == "replicate"

    def test_no_route_exits_1_with_candidates(self, rules: Path) -> None:
        result = run("route", "acme/x", "--rules", rules, "--tag", "LoRA", "--json")
        assert result.returncode == 1
        document = json.loads(result.stdout)
        assert document["error"] == "no-route"
        assert document["message"]
        assert {c["reason"] for c in document["candidates"]} == {"missing-tag"}
        assert set(document["candidates"][0]) >= {
            "provider",
            "providerModel",
            "kind",
            "reason",
        }

    def test_explain_text(self, rules: Path) -> None:
        result = run("route", "acme/x", "--rules", rules, *tag_args(), "--explain")
        assert result.returncode == 0
        assert "selected" in result.stdout
        assert "hidden" in result.stdout

    def test_model_record_from_models_file(self, rules: Path, tmp_path: Path) -> None:
        models = tmp_path / "models.jsonl"
        models.write_text(
            json.dumps({"id": "acme/x", "tags": FLUX_LORA_TAGS, "pipeline_tag": None})
            + "\n"
        )
        result = run("route", "acme/x", "--rules", rules, "--models", models, "--json")
        assert result.returncode == 0
        assert (
            json.loads(result.stdout)["providerModel"]
            == "black-forest-labs/flux-dev-lora"
        )

    def test_model_missing_from_models_file_is_bad_input(
        self, rules: Path, tmp_path: Path
    ) -> None:
        models = tmp_path / "models.jsonl"
        models.write_text(json.dumps({"id": "other/model", "tags": []}) + "\n")
        result = run("route", "acme/x", "--rules", rules, "--models", models)
        assert result.returncode == 2
        assert "acme/x" in result.stderr

    def test_example_rules_are_the_default(self) -> None:
        result = run("route", "Datou1111/shou_xin", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["adapterType"] == "lora"


class TestBadInput:
    @pytest.mark.parametrize(
        ("entry", "field"),
        [
            (
                {
                    "provider": "x",
                    "hfModel": "a/b",
                    "providerModel": "m",
                    "task": "t",
                    "status": "Live",
                },
                "status",
            ),
            (
                {
                    "provider": "x",
                    "type": "tag-filter",
                    "tags": [],
                    "providerModel": "m",
                    "task": "t",
                },
                "tags",
            ),
            (
                {
                    "provider": "x",
                    "hfModel": "not valid!",
                    "providerModel": "m",
                    "task": "t",
                },
                "hfModel",
            ),
        ],
    )
    def test_bad_entry_is_one_line_naming_file_entry_field(
        self, tmp_path: Path, entry: dict[str, Any], field: str
    ) -> None:
        path = write_rules(tmp_path, [entry])
        result = run("route", "a/b", "--rules", path)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert str(path) in lines[0]
        assert "entry 0" in lines[0]
        assert repr(field) in lines[0]
        assert "Traceback" not in result.stderr

    def test_invalid_json(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        path.write_text("{not json")
        result = run("route", "a/b", "--rules", path)
        assert result.returncode == 2
        assert "invalid JSON" in result.stderr
        assert "Traceback" not in result.stderr

    def test_missing_rules_file(self, tmp_path: Path) -> None:
        result = run("route", "a/b", "--rules", tmp_path / "nope.json")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr

    @pytest.mark.parametrize("model_id", ["", "not a repo id", "a/b/c"])
    def test_invalid_model_id_is_bad_input(self, model_id: str) -> None:
        result = run("route", model_id)
        assert result.returncode == 2
        assert "MODEL_ID" in result.stderr
        assert "Traceback" not in result.stderr

    def test_lone_surrogate_in_rules(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        entry = '{"provider": "x", "hfModel": "a/b", "task": "t", "providerModel": '
        path.write_text(f'[{entry}"\\ud800"}}]')
        result = run("route", "a/b", "--rules", path)
        assert result.returncode == 2
        assert "'providerModel'" in result.stderr
        assert "Traceback" not in result.stderr

    def test_deeply_nested_rules(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        path.write_text("[" * 5000 + "]" * 5000)
        result = run("routes", "--rules", path)
        assert result.returncode == 2
        assert "nested too deeply" in result.stderr
        assert "Traceback" not in result.stderr

    def test_unknown_provider_is_bad_input(self, rules: Path) -> None:
        result = run("route", "acme/x", "--rules", rules, "--provider", "nosuch")
        assert result.returncode == 2
        assert "nosuch" in result.stderr

    def test_usage_error_exits_2(self) -> None:
        assert run("route").returncode == 2

    def test_lenient_skips_and_reports(self, tmp_path: Path) -> None:
        good = {
            "provider": "x",
            "hfModel": "a/b",
            "providerModel": "m",
            "task": "fill-mask",
            "status": "live",
        }
        bad = {
            "provider": "x",
            "hfModel": "a/c",
            "providerModel": "m",
            "task": "t",
            "status": "Live",
        }
        path = write_rules(tmp_path, [good, bad])
        result = run(
            "route", "a/b", "--rules", path, "--pipeline-tag", "fill-mask", "--lenient"
        )
        assert result.returncode == 0
        assert "entry 1" in result.stderr
        assert "'status'" in result.stderr

    def test_bad_models_file(self, tmp_path: Path) -> None:
        models = tmp_path / "models.jsonl"
        models.write_text('{"id": "a/b", "tags": "lora"}\n')
        result = run("routes", "--models", models)
        assert result.returncode == 2
        assert "line 1" in result.stderr
        assert "tags" in result.stderr
        assert "Traceback" not in result.stderr


class TestRoutes:
    def test_batch_on_example(self) -> None:
        result = run("routes")
        assert result.returncode == 0, result.stderr
        assert "models routed:" in result.stdout
        assert "LoRA-tagged models without a route" in result.stdout

    def test_batch_json_lines_and_summary(self, rules: Path, tmp_path: Path) -> None:
        models = tmp_path / "models.jsonl"
        records = [
            {"id": "acme/a", "tags": FLUX_LORA_TAGS},
            {"id": "acme/b", "tags": ["LoRA"]},
            {"id": "acme/c", "tags": ["bert"], "pipeline_tag": "fill-mask"},
        ]
        models.write_text("\n".join(json.dumps(r) for r in records) + "\n")
        result = run("routes", "--rules", rules, "--models", models, "--json")
        assert result.returncode == 0
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line.get("id") for line in lines[:3]] == ["acme/a", "acme/b", "acme/c"]
        assert lines[0]["route"]["provider"] == "replicate"
        assert lines[1]["error"] == "no-route"
        summary = lines[3]["summary"]
        assert (summary["models"], summary["routed"]) == (3, 1)
        assert summary["byProvider"] == {"replicate": 1}
        assert summary["byKind"] == {"tag-filter": 1}
        assert summary["loraUnrouted"] == ["acme/b"]
        # The staging fal-ai filter is hidden from an anonymous caller.
        assert (summary["mappingsHidden"], summary["mappings"]) == (1, 2)

    def test_real_data_batch(self, data_dir: Path) -> None:
        result = run(
            "routes",
            "--rules",
            data_dir / "provider_mappings.jsonl",
            "--lenient",
            "--models",
            data_dir / "hub_models.jsonl",
            "--json",
        )
        assert result.returncode == 0
        lines = result.stdout.splitlines()
        assert len(lines) == 2022 + 1
        summary = json.loads(lines[-1])["summary"]
        assert summary["models"] == 2022
        assert "warning: skipped" in result.stderr


def test_raw_partner_listing_with_its_provider_named(tmp_path: Path) -> None:
    listing = {
        "conversational": {
            "deepseek-ai/DeepSeek-R1": {"providerId": "ds/r1", "status": "live"}
        }
    }
    path = tmp_path / "listing.json"
    path.write_text(json.dumps(listing))
    args = ("route", "deepseek-ai/DeepSeek-R1", "--rules", path, "--pipeline-tag")
    assert run(*args, "text-generation").returncode == 2
    result = run(*args, "text-generation", "--listing-provider", "together", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["provider"], document["providerModel"]) == ("together", "ds/r1")
