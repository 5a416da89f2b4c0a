"""``resolver route --hub`` against a Hub served over loopback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from resolver.cli import cli
from tests.hub_fake import FakeHub
from tests.test_hub_live import (
    SDXL_LORA_TAGS,
    recorded_bodies,
    recorded_partner_listing,
)


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeHub:
    hub = FakeHub()
    hub.whoami = {"hf_x": []}
    hub.install(httpserver)
    return hub


@pytest.fixture
def env(httpserver: HTTPServer, tmp_path: Path) -> dict[str, str | None]:
    return {
        "HF_ENDPOINT": httpserver.url_for("/").rstrip("/"),
        "HF_HUB_OFFLINE": None,
        "HF_TOKEN": None,
        "RESOLVER_CACHE_DIR": str(tmp_path / "cache"),
    }


def run(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["route", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_route_from_the_hub(
    fake: FakeHub, env: dict[str, str | None], data_dir: Path
) -> None:
    body = recorded_bodies(data_dir)["meta-llama/Llama-3.3-70B-Instruct"]
    fake.models[body["id"]] = body
    expected = body["inferenceProviderMapping"]["together"]

    code, out, err = run(
        env, body["id"], "--hub", "--token", "hf_x", "--prefer", "together", "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["provider"] == "together"
    assert document["providerModel"] == expected["providerId"]
    assert document["status"] == expected["status"]


def test_lora_route_carries_its_weights(
    fake: FakeHub, env: dict[str, str | None], data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
        "siblings": [{"rfilename": "style.safetensors"}, {"rfilename": "README.md"}],
    }
    code, out, err = run(
        env,
        "acme/sdxl-style",
        "--hub",
        "--token",
        "hf_x",
        "--provider",
        "fal-ai",
        "--json",
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["providerModel"] == "sdxl-lora-mutualized"
    assert document["adapterWeightsPath"] == "style.safetensors"
    assert document["weightsUrl"] == (
        f"{env['HF_ENDPOINT']}/acme/sdxl-style/resolve/main/style.safetensors"
    )


def test_ambiguous_weights_is_no_route(
    fake: FakeHub, env: dict[str, str | None], data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
        "siblings": [{"rfilename": "a.safetensors"}, {"rfilename": "b.safetensors"}],
    }
    code, out, _ = run(
        env,
        "acme/sdxl-style",
        "--hub",
        "--token",
        "hf_x",
        "--provider",
        "fal-ai",
        "--json",
    )
    assert code == 1
    assert json.loads(out)["error"] == "ambiguous-weights"


def test_no_route_exits_1(fake: FakeHub, env: dict[str, str | None]) -> None:
    fake.models["acme/nothing"] = {
        "id": "acme/nothing",
        "tags": [],
        "pipeline_tag": "text-generation",
        "inferenceProviderMapping": {},
    }
    code, out, _ = run(env, "acme/nothing", "--hub", "--token", "hf_x", "--json")
    assert code == 1
    assert json.loads(out)["error"] == "no-route"


def test_offline_with_nothing_cached_exits_2(
    fake: FakeHub, env: dict[str, str | None]
) -> None:
    code, _, err = run(env, "acme/anything", "--hub", "--token", "hf_x", "--offline")
    assert code == 2
    assert "offline" in err
    assert "nothing is cached" in err
    assert sum(fake.requests.values()) == 0


def test_a_later_run_serves_what_an_earlier_one_fetched(
    fake: FakeHub, env: dict[str, str | None], data_dir: Path
) -> None:
    body = recorded_bodies(data_dir)["meta-llama/Llama-3.3-70B-Instruct"]
    fake.models[body["id"]] = body
    args = (body["id"], "--hub", "--token", "hf_x", "--prefer", "together", "--json")
    code, online, err = run(env, *args)
    assert code == 0, err
    fetched = sum(fake.requests.values())

    code, offline, err = run(env, *args, "--offline")
    assert code == 0, err
    assert json.loads(offline) == json.loads(online)
    assert sum(fake.requests.values()) == fetched

    fake.failure = "server-error"
    code, stale, err = run(env, *args)
    assert code == 0, err
    assert json.loads(stale) == json.loads(online)


def test_another_tokens_copy_is_never_served_offline(
    fake: FakeHub, env: dict[str, str | None], data_dir: Path
) -> None:
    body = recorded_bodies(data_dir)["meta-llama/Llama-3.3-70B-Instruct"]
    fake.models[body["id"]] = body
    fake.whoami["hf_other"] = []
    code, _, err = run(env, body["id"], "--hub", "--token", "hf_x")
    assert code == 0, err
    code, _, err = run(env, body["id"], "--hub", "--token", "hf_other", "--offline")
    assert code == 2
    assert "nothing is cached" in err


def test_unreachable_hub_exits_2(env: dict[str, str | None]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = {**env, "HF_ENDPOINT": f"http://127.0.0.1:{port}"}
    code, _, err = run(closed, "acme/anything", "--hub", "--token", "hf_x")
    assert code == 2
    assert "cannot reach the Hub" in err


def test_unknown_provider_asked_for_exits_2(
    fake: FakeHub, env: dict[str, str | None]
) -> None:
    code, _, err = run(
        env, "acme/anything", "--hub", "--token", "hf_x", "--provider", "newco"
    )
    assert code == 2
    assert "unknown provider 'newco'" in err


def test_hub_refuses_rules_files(env: dict[str, str | None], tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text("[]")
    code, _, err = run(env, "acme/anything", "--hub", "--rules", str(rules))
    assert code == 2
    assert "--hub" in err


def test_organisations_cannot_be_claimed_with_hub(env: dict[str, str | None]) -> None:
    code, _, err = run(env, "acme/anything", "--hub", "--org", "fal")
    assert code == 2
    assert "--org" in err


def test_skipped_model_info_entries_are_reported(
    fake: FakeHub, env: dict[str, str | None]
) -> None:
    fake.models["acme/chat"] = {
        "id": "acme/chat",
        "tags": [],
        "pipeline_tag": "text-generation",
        "inferenceProviderMapping": {
            "together": {
                "status": "live",
                "providerId": "t/chat",
                "task": "conversational",
            },
            "fal-ai": {
                "status": "Live",
                "providerId": "f/chat",
                "task": "conversational",
            },
        },
    }
    code, out, err = run(env, "acme/chat", "--hub", "--token", "hf_x")
    assert code == 0, err
    assert "t/chat" in out
    assert "warning: skipped" in err
    assert "'status'" in err


def test_staging_listings_for_a_member(
    fake: FakeHub, env: dict[str, str | None]
) -> None:
    staging_filter = {
        "text-to-image": {
            "tag-filter=base_model:adapter:org/base,lora": {
                "providerId": "fal-ai/base-lora",
                "status": "staging",
                "type": "tag-filter",
                "tags": ["base_model:adapter:org/base", "lora"],
                "adapterType": "lora",
            }
        }
    }
    fake.listings[("fal-ai", "staging")] = staging_filter
    fake.whoami = {"hf_member": ["fal"], "hf_outsider": []}
    fake.refused_listings.add(("fal-ai", "staging"))
    fake.models["acme/base-style"] = {
        "id": "acme/base-style",
        "tags": ["base_model:adapter:org/base", "lora"],
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
        "siblings": [{"rfilename": "style.safetensors"}],
    }
    args = ("acme/base-style", "--hub", "--provider", "fal-ai", "--staging", "--json")

    # The Hub refuses the staging listing to an outsider: left out, no route.
    code, out, err = run(env, *args, "--token", "hf_outsider")
    assert code == 1, err
    assert json.loads(out)["error"] == "no-route"

    fake.refused_listings.clear()
    code, out, err = run(env, *args, "--token", "hf_member")
    assert code == 0, err
    document = json.loads(out)
    assert (document["providerModel"], document["visibility"]) == (
        "fal-ai/base-lora",
        "org",
    )

    # Without --staging, only the live listing is asked for.
    code, _, _ = run(env, *args[:-2], "--json", "--token", "hf_member")
    assert code == 1
