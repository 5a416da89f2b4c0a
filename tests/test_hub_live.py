"""Routing against a Hub served over loopback: sources, caching, membership."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from resolver.errors import (
    AmbiguousWeightsError,
    HubRequestError,
    HubUnavailableError,
    InvalidArgumentError,
    UnknownProviderError,
)
from resolver.hub import HubCaller, HubResolver, HubSource, token_identity
from tests.conftest import read_jsonl
from tests.hub_fake import FakeClock, FakeHub

TTL = 60.0
RETRY = 10.0
SDXL_LORA_TAGS = ["base_model:adapter:stabilityai/stable-diffusion-xl-base-1.0", "lora"]


@pytest.fixture(scope="module")
def hub_server() -> Iterator[HTTPServer]:
    # Threaded, unlike the default ``httpserver``: a deliberately slow answer
    # must not hold up the requests of the tests that follow.
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def fake(hub_server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url_for("/").rstrip("/"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub = FakeHub()
    hub.install(hub_server)
    yield hub
    hub_server.clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_hub(clock: FakeClock, **options: Any) -> HubResolver:
    source = HubSource(token=False, timeout=options.pop("timeout", 5.0))
    return HubResolver(
        source,
        listing_ttl=TTL,
        model_ttl=TTL,
        membership_ttl=TTL,
        retry_after=RETRY,
        clock=clock,
        **options,
    )


def recorded_bodies(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The recorded dict-form model info bodies, last one per model id."""
    bodies = {}
    for line in read_jsonl(data_dir / "provider_mapping_responses.jsonl"):
        if line["id"] is not None:
            bodies[line["id"]] = {
                "id": line["id"],
                "inferenceProviderMapping": line["inferenceProviderMapping"],
            }
    return bodies


def recorded_partner_listing(data_dir: Path) -> dict[str, Any]:
    for line in read_jsonl(data_dir / "provider_mapping_responses.jsonl"):
        if "partnerListResponse" in line:
            listing: dict[str, Any] = line["partnerListResponse"]
            return listing
    raise AssertionError("no partner listing in the recorded data")


def as_list_form(body: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"provider": provider, "hfModelId": body["id"], **value}
        for provider, value in body["inferenceProviderMapping"].items()
    ]
    return {**body, "inferenceProviderMapping": entries}


# -- sources ------------------------------------------------------------------


@pytest.mark.parametrize("form", ["dict", "list"])
def test_recorded_model_info_routes_every_live_mapping(
    fake: FakeHub, clock: FakeClock, data_dir: Path, form: str
) -> None:
    bodies = recorded_bodies(data_dir)
    for model_id, body in bodies.items():
        fake.models[model_id] = body if form == "dict" else as_list_form(body)
    hub = make_hub(clock)

    checked = 0
    for model_id, body in bodies.items():
        for provider, value in body["inferenceProviderMapping"].items():
            route = hub.find(model_id, task=value["task"], provider=provider)
            if value["status"] == "live":
                assert route is not None, (model_id, provider)
                assert route.provider_model == value["providerId"]
                checked += 1
            else:
                # Staging, and the anonymous caller is nobody's member.
                assert route is None, (model_id, provider)
    assert checked == sum(
        value["status"] == "live"
        for body in bodies.values()
        for value in body["inferenceProviderMapping"].values()
    )
    assert checked > 0
    # One model info request per model, however many lookups.
    assert fake.requests["model"] == len(bodies)


def test_partner_listing_with_tag_filters(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
    }
    fake.models["acme/half-tagged"] = {
        "id": "acme/half-tagged",
        "tags": ["lora"],
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
    }
    hub = make_hub(clock, providers=["fal-ai"])

    route = hub.resolve("acme/sdxl-style")
    assert (route.provider, route.provider_model) == ("fal-ai", "sdxl-lora-mutualized")
    assert route.kind == "tag-filter"
    assert route.adapter_type == "lora"
    assert hub.find("acme/half-tagged") is None
    assert fake.requests["listing"] == 1


def test_a_mapping_in_the_listing_and_in_model_info_is_one_mapping(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["deepseek-ai/DeepSeek-R1"] = {
        "id": "deepseek-ai/DeepSeek-R1",
        "tags": [],
        "pipeline_tag": "text-generation",
        "inferenceProviderMapping": {
            "fal-ai": {
                "status": "live",
                "providerId": "deepseek-ai/DeepSeek-R1",
                "task": "conversational",
            }
        },
    }
    hub = make_hub(clock, providers=["fal-ai"])

    resolver, _, _ = hub.resolver_for("deepseek-ai/DeepSeek-R1")
    single = [m for m in resolver.mappings if m.hf_model is not None]
    assert len(single) == 1
    route = hub.resolve("deepseek-ai/DeepSeek-R1")
    assert route.provider_model == "deepseek-ai/DeepSeek-R1"
    assert route.task == "conversational"


def test_unknown_model_is_a_refusal_not_an_outage(
    fake: FakeHub, clock: FakeClock
) -> None:
    hub = make_hub(clock)
    with pytest.raises(HubRequestError) as caught:
        hub.find("acme/does-not-exist")
    assert caught.value.status == 404


# -- caching ------------------------------------------------------------------


def test_answers_expire_after_the_ttl(fake: FakeHub, clock: FakeClock) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    hub = make_hub(clock)

    assert hub.resolve("acme/chat").provider_model == "acme-v1"
    fake.models["acme/chat"] = chat_model("acme-v2")
    clock.advance(TTL - 1)
    assert hub.resolve("acme/chat").provider_model == "acme-v1"
    assert fake.requests["model"] == 1

    clock.advance(2)
    assert hub.resolve("acme/chat").provider_model == "acme-v2"
    assert fake.requests["model"] == 2
    age, stale = hub.age("acme/chat")
    assert (age, stale) == (0.0, False)


def test_rule_set_expires_and_is_replaced_whole(
    fake: FakeHub, clock: FakeClock
) -> None:
    fake.listings[("together", "live")] = listing("v1")
    fake.models["acme/chat"] = chat_model(None)
    hub = make_hub(clock, providers=["together"])

    assert hub.resolve("acme/chat").provider_model == "chat-v1"
    first = hub.rules
    fake.listings[("together", "live")] = listing("v2")
    clock.advance(TTL + 1)
    assert hub.resolve("acme/chat").provider_model == "chat-v2"
    assert hub.rules is not first
    assert hub.rules is not None
    assert hub.rules.generation == 2


FAILURES = ["server-error", "malformed", "timeout", "offline"]


@pytest.mark.parametrize("failure", FAILURES)
def test_stale_while_error(
    fake: FakeHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: str,
) -> None:
    fake.listings[("together", "live")] = listing("v1")
    fake.models["acme/chat"] = chat_model(None)
    hub = make_hub(clock, providers=["together"], timeout=0.3)
    assert hub.resolve("acme/chat").provider_model == "chat-v1"

    fail_with(fake, monkeypatch, failure)
    clock.advance(TTL + 1)
    with caplog.at_level(logging.WARNING, logger="resolver.hub"):
        for _ in range(3):
            assert hub.resolve("acme/chat").provider_model == "chat-v1"
            clock.advance(RETRY + 1)
        hub.refresh()

    age, stale = hub.age("acme/chat")
    assert stale
    assert age >= TTL
    assert hub.rules is not None
    assert hub.rules.stale
    # One warning per failing source (the listing and the model info), not
    # one per lookup or per retry.
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, [r.getMessage() for r in warnings]
    assert all("serving a copy" in r.getMessage() for r in warnings)


@pytest.mark.parametrize("failure", FAILURES)
def test_failure_with_nothing_cached_raises(
    fake: FakeHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    fail_with(fake, monkeypatch, failure)
    hub = make_hub(clock, timeout=0.3)
    with pytest.raises(HubUnavailableError) as caught:
        hub.find("acme/chat")
    assert caught.value.reason == failure


def test_recovery_after_failure(
    fake: FakeHub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    hub = make_hub(clock)
    hub.resolve("acme/chat")
    fake.failure = "server-error"
    clock.advance(TTL + 1)
    assert hub.resolve("acme/chat").provider_model == "acme-v1"
    fake.failure = None
    fake.models["acme/chat"] = chat_model("acme-v2")
    clock.advance(RETRY + 1)
    assert hub.resolve("acme/chat").provider_model == "acme-v2"
    age, stale = hub.age("acme/chat")
    assert not stale
    # The oldest input is now the caller's membership, fetched at the failure.
    assert age == RETRY + 1


# -- membership ---------------------------------------------------------------


def test_member_and_non_member_never_share_an_answer(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    body = recorded_bodies(data_dir)["meta-llama/Llama-3.2-3B-Instruct"]
    mapping = body["inferenceProviderMapping"]
    assert mapping["fireworks-ai"]["status"] == "staging"
    fake.models[body["id"]] = body
    fake.whoami = {"hf_member": ["fireworks-ai"], "hf_outsider": ["acme"]}
    hub = make_hub(clock)
    member = hub.caller("hf_member", providers=["fireworks-ai"])
    outsider = hub.caller("hf_outsider", providers=["fireworks-ai"])

    for _ in range(2):
        inside = hub.resolve(body["id"], member)
        outside = hub.resolve(body["id"], outsider)
        assert inside.provider_model == mapping["fireworks-ai"]["providerId"]
        assert inside.visibility == "org"
        assert outside.provider != "fireworks-ai"
        assert outside.visibility == "public"
    # Each token fetched its own model info and its own membership.
    assert fake.requests["model"] == 2
    assert fake.requests["whoami"] == 2


def test_a_private_answer_is_not_served_to_another_token(
    fake: FakeHub, clock: FakeClock
) -> None:
    private = {**chat_model("secret"), "id": "acme/private"}
    fake.private_models["hf_member"] = {"acme/private": private}
    fake.whoami = {"hf_member": ["acme"], "hf_outsider": []}
    hub = make_hub(clock)
    member = hub.caller("hf_member")
    outsider = hub.caller("hf_outsider")

    assert hub.resolve("acme/private", member).provider_model == "secret"
    with pytest.raises(HubRequestError):
        hub.resolve("acme/private", outsider)


def test_token_identity_hides_the_token() -> None:
    identity = token_identity("hf_secret_value")
    assert "hf_secret_value" not in identity
    assert identity == token_identity("hf_secret_value")
    assert identity != token_identity("hf_other_value")
    assert token_identity(False) == "anonymous"


def test_a_revoked_token_loses_its_membership(fake: FakeHub, clock: FakeClock) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    fake.whoami = {"hf_member": ["acme"]}
    hub = make_hub(clock)
    member = hub.caller("hf_member")
    hub.resolve("acme/chat", member)
    del fake.whoami["hf_member"]
    clock.advance(TTL + 1)
    with pytest.raises(HubRequestError) as caught:
        hub.resolve("acme/chat", member)
    assert caught.value.status == 401


# -- concurrency --------------------------------------------------------------


def test_lookups_during_refreshes_see_wholly_old_or_wholly_new_rules(
    fake: FakeHub, clock: FakeClock
) -> None:
    fake.listings[("together", "live")] = listing("v1")
    fake.models["acme/chat"] = chat_model(None)
    fake.models["acme/other-chat"] = {**chat_model(None), "id": "acme/other-chat"}
    hub = make_hub(clock, providers=["together"])
    hub.resolve("acme/chat")
    hub.resolve("acme/other-chat")
    seen: list[tuple[str, str, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def lookups() -> None:
        try:
            while not stop.is_set():
                rules = hub.rules
                assert rules is not None
                versions = {m.provider_model.split("-")[-1] for m in rules.mappings}
                # Both mappings of one snapshot carry one version.
                assert len(versions) == 1, versions
                first = hub.resolve("acme/chat").provider_model
                second = hub.resolve("acme/other-chat").provider_model
                seen.append((first, second, rules.generation))
        except BaseException as error:  # reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=lookups) for _ in range(4)]
    for thread in threads:
        thread.start()
    for version in ("v2", "v3", "v4", "v5"):
        fake.listings[("together", "live")] = listing(version)
        hub.refresh()
    stop.set()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert seen
    expected = {f"chat-{v}" for v in ("v1", "v2", "v3", "v4", "v5")}
    assert {first for first, _, _ in seen} <= expected
    assert {second for _, second, _ in seen} <= {
        f"other-{v}" for v in ("v1", "v2", "v3", "v4", "v5")
    }


# -- providers ----------------------------------------------------------------


def test_unknown_provider_not_asked_for_is_skipped_with_a_warning(
    fake: FakeHub, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    body = chat_model("acme-v1")
    body["inferenceProviderMapping"]["newco"] = {
        "status": "live",
        "providerId": "newco/chat",
        "task": "conversational",
    }
    fake.models["acme/chat"] = body
    hub = make_hub(clock)
    with caplog.at_level(logging.WARNING, logger="resolver.hub"):
        route = hub.resolve("acme/chat")
    assert route.provider == "together"
    assert any("'newco'" in r.getMessage() for r in caplog.records)

    with pytest.raises(UnknownProviderError) as caught:
        hub.find("acme/chat", provider="newco")
    assert caught.value.provider == "newco"
    with pytest.raises(UnknownProviderError):
        hub.caller(False, providers=["newco"])
    with pytest.raises(UnknownProviderError):
        make_hub(clock, providers=["newco"])


def test_provider_org_overrides_make_a_provider_known(
    fake: FakeHub, clock: FakeClock
) -> None:
    body = chat_model(None)
    body["inferenceProviderMapping"]["newco"] = {
        "status": "live",
        "providerId": "newco/chat",
        "task": "conversational",
    }
    fake.models["acme/chat"] = body
    hub = make_hub(clock, provider_orgs={"newco": "newco-org"})
    route = hub.resolve("acme/chat", provider="newco")
    assert (route.provider_model, route.provider_org) == ("newco/chat", "newco-org")


# -- LoRA weights -------------------------------------------------------------


def test_lora_weights_from_the_hub(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    entry = next(
        line
        for line in read_jsonl(data_dir / "provider_mappings.jsonl")
        if line.get("hfModelId") == "openfree/flux-chatgpt-ghibli-lora"
    )
    fake.models[entry["hfModelId"]] = {
        "id": entry["hfModelId"],
        "tags": ["lora"],
        "pipeline_tag": entry["task"],
        "inferenceProviderMapping": [
            {k: v for k, v in entry.items() if k not in ("origin", "source")}
        ],
    }
    hub = make_hub(clock)
    route = hub.resolve(entry["hfModelId"])
    weights = hub.weights(route, entry["hfModelId"])
    assert weights is not None
    assert weights.path == entry["adapterWeightsPath"]
    endpoint = hub.source.endpoint
    assert weights.url == (
        f"{endpoint}/{entry['hfModelId']}/resolve/main/{entry['adapterWeightsPath']}"
    )
    # The Hub named the file: the repository's files were not asked for.
    assert fake.requests["model"] == 1


@pytest.mark.parametrize(
    ("files", "expected", "candidates"),
    [
        (
            ["README.md", "style.safetensors", "ckpt/step-100.safetensors"],
            "style.safetensors",
            None,
        ),
        (
            ["README.md", "a.safetensors", "b.safetensors"],
            None,
            ["a.safetensors", "b.safetensors"],
        ),
        (["README.md", "ckpt/step-100.safetensors"], None, []),
    ],
    ids=["single", "ambiguous", "missing"],
)
def test_lora_weights_from_the_files(
    fake: FakeHub,
    clock: FakeClock,
    data_dir: Path,
    *,
    files: list[str],
    expected: str | None,
    candidates: list[str] | None,
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {},
        "siblings": [{"rfilename": name} for name in files],
    }
    hub = make_hub(clock, providers=["fal-ai"])
    route = hub.resolve("acme/sdxl-style")
    assert route.is_lora

    if expected is None:
        with pytest.raises(AmbiguousWeightsError) as caught:
            hub.weights(route, "acme/sdxl-style")
        assert list(caught.value.candidates) == candidates
        return
    weights = hub.weights(route, "acme/sdxl-style")
    assert weights is not None
    assert weights.path == expected
    assert weights.url.endswith(f"/acme/sdxl-style/resolve/main/{expected}")
    assert fake.requests["model"] == 2


# -- helpers ------------------------------------------------------------------


def chat_model(provider_model: str | None) -> dict[str, Any]:
    """A text-generation model, served by together when ``provider_model``."""
    mapping = {}
    if provider_model is not None:
        mapping["together"] = {
            "status": "live",
            "providerId": provider_model,
            "task": "conversational",
        }
    return {
        "id": "acme/chat",
        "tags": ["text-generation"],
        "pipeline_tag": "text-generation",
        "inferenceProviderMapping": mapping,
    }


def listing(version: str) -> dict[str, Any]:
    """A partner listing mapping both chat models, every value at ``version``."""
    return {
        "conversational": {
            "acme/chat": {"providerId": f"chat-{version}", "status": "live"},
            "acme/other-chat": {"providerId": f"other-{version}", "status": "live"},
        }
    }


def fail_with(fake: FakeHub, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    if failure == "timeout":
        fake.delay = 1.0
    elif failure == "offline":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        fake.failure = failure


@pytest.fixture(autouse=True)
def _no_saved_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)


# -- failures that must not spread ---------------------------------------------


def test_a_refused_listing_does_not_fail_other_lookups(
    fake: FakeHub, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.listings[("together", "live")] = listing("v1")
    fake.refused_listings.add(("together", "staging"))
    fake.models["acme/chat"] = chat_model(None)
    hub = make_hub(clock, providers=["together"], staging=True)
    with caplog.at_level(logging.WARNING, logger="resolver.hub"):
        assert hub.resolve("acme/chat").provider_model == "chat-v1"
        clock.advance(TTL + 1)
        assert hub.resolve("acme/chat").provider_model == "chat-v1"
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1


def test_a_listing_with_no_copy_is_not_retried_on_every_lookup(
    fake: FakeHub, clock: FakeClock
) -> None:
    fake.listings[("together", "live")] = listing("v1")
    fake.models["acme/chat"] = chat_model(None)
    hub = make_hub(clock, providers=["together"])
    hub.resolve("acme/chat")
    # A refusal drops the listing's copy; the Hub then fails outright.
    fake.refused_listings.add(("together", "live"))
    clock.advance(TTL + 1)
    hub.find("acme/chat")
    fake.refused_listings.clear()
    fake.failure = "server-error"
    clock.advance(TTL + 1)
    before = fake.requests["listing"]
    for _ in range(5):
        hub.find("acme/chat")
    assert fake.requests["listing"] - before <= 1
    assert hub.rules is not None
    assert hub.rules.stale


def test_a_key_with_no_copy_fails_fast_until_its_retry_time(
    fake: FakeHub, clock: FakeClock
) -> None:
    fake.failure = "server-error"
    hub = make_hub(clock)
    for _ in range(3):
        with pytest.raises(HubUnavailableError):
            hub.find("acme/chat")
    assert fake.requests["model"] == 1
    clock.advance(RETRY + 1)
    with pytest.raises(HubUnavailableError):
        hub.find("acme/chat")
    assert fake.requests["model"] == 2


def test_a_refusal_outlives_no_copy(fake: FakeHub, clock: FakeClock) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    fake.whoami = {"hf_member": ["acme"]}
    hub = make_hub(clock)
    member = hub.caller("hf_member")
    hub.resolve("acme/chat", member)

    del fake.whoami["hf_member"]
    clock.advance(TTL + 1)
    with pytest.raises(HubRequestError):
        hub.resolve("acme/chat", member)
    # The revoked token's organisations are gone for good: a Hub that then
    # fails has nothing of theirs to serve.
    fake.failure = "server-error"
    clock.advance(TTL + 1)
    with pytest.raises(HubUnavailableError):
        hub.resolve("acme/chat", member)


def test_a_caller_identity_must_come_from_its_token() -> None:
    with pytest.raises(InvalidArgumentError):
        HubCaller(identity="anonymous", token="hf_x")
    assert HubCaller(identity=token_identity("hf_x"), token="hf_x").token == "hf_x"


def test_hot_lookups_share_the_listings_filters(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    for n in range(3):
        fake.models[f"acme/style-{n}"] = {
            "id": f"acme/style-{n}",
            "tags": SDXL_LORA_TAGS,
            "pipeline_tag": "text-to-image",
            "inferenceProviderMapping": {},
        }
    hub = make_hub(clock, providers=["fal-ai"])
    routes = [hub.resolve(f"acme/style-{n}") for n in range(3)]
    # One Route object per filter, shared by every model that it routes.
    assert routes[0] is routes[1] is routes[2]
    assert routes[0].provider_model == "sdxl-lora-mutualized"


@pytest.mark.parametrize("prefer", [(), ("fal-ai",), ("together", "fal-ai")])
def test_hot_lookup_agrees_with_the_models_whole_resolver(
    fake: FakeHub, clock: FakeClock, data_dir: Path, prefer: tuple[str, ...]
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        "inferenceProviderMapping": {
            "together": {
                "status": "live",
                "providerId": "t/sdxl",
                "task": "text-to-image",
            }
        },
    }
    hub = make_hub(clock, providers=["fal-ai"])
    who = hub.caller(False, prefer)
    resolver, model, caller = hub.resolver_for("acme/sdxl-style", who)
    assert hub.find("acme/sdxl-style", who) is not None
    expected = resolver.find(model, caller)
    assert expected is not None
    found = hub.find("acme/sdxl-style", who)
    assert found is not None
    assert (found.provider, found.provider_model) == (
        expected.provider,
        expected.provider_model,
    )


# -- hostile answers -------------------------------------------------------------


def test_a_redirect_within_the_hub_is_followed(fake: FakeHub, clock: FakeClock) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    fake.redirects["/api/models/acme/old-name"] = "/api/models/acme/chat"
    hub = make_hub(clock)
    # A renamed repository: the Hub answers for its new name.
    route = hub.resolve("acme/old-name")
    assert route.provider_model == "acme-v1"
    assert fake.requests["model"] == 2


def test_an_answer_about_another_model_is_not_used(
    fake: FakeHub, clock: FakeClock
) -> None:
    fake.raw["/api/models/acme/chat"] = '{"id": "acme/other"}'
    hub = make_hub(clock)
    with pytest.raises(HubUnavailableError, match="answer about 'acme/other'"):
        hub.find("acme/chat")


def test_a_redirect_off_the_hub_is_not_trusted(
    fake: FakeHub, clock: FakeClock, hub_server: HTTPServer
) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    fake.whoami = {"hf_outsider": []}
    elsewhere = hub_server.url_for("/api/whoami-v2").replace("localhost", "127.0.0.1")
    fake.redirects["/api/whoami-v2"] = elsewhere
    hub = make_hub(clock)
    outsider = hub.caller("hf_outsider")
    with pytest.raises(HubUnavailableError, match="redirected off the Hub"):
        hub.resolve("acme/chat", outsider)


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "acme/chat", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "acme/chat", "tags": "lora"}',
        '{"id": 5}',
        '{"id": "acme/chat", "pipeline_tag": ["x"]}',
    ],
)
def test_a_malformed_model_info_is_served_from_the_last_good_copy(
    fake: FakeHub, clock: FakeClock, body: str
) -> None:
    fake.models["acme/chat"] = chat_model("acme-v1")
    hub = make_hub(clock)
    assert hub.resolve("acme/chat").provider_model == "acme-v1"
    fake.raw["/api/models/acme/chat"] = body
    clock.advance(TTL + 1)
    assert hub.resolve("acme/chat").provider_model == "acme-v1"
    assert hub.age("acme/chat")[1]


def test_one_bad_mapping_entry_does_not_hide_the_others(
    fake: FakeHub, clock: FakeClock
) -> None:
    model = chat_model("acme-v1")
    model["inferenceProviderMapping"]["fal-ai"] = {"status": "Live", "providerId": "x"}
    fake.models["acme/chat"] = model
    hub = make_hub(clock)
    assert hub.resolve("acme/chat").provider_model == "acme-v1"


def test_a_tag_filter_reported_in_model_info_is_the_listings_filter(
    fake: FakeHub, clock: FakeClock, data_dir: Path
) -> None:
    fake.listings[("fal-ai", "live")] = recorded_partner_listing(data_dir)
    fake.models["acme/sdxl-style"] = {
        "id": "acme/sdxl-style",
        "tags": SDXL_LORA_TAGS,
        "pipeline_tag": "text-to-image",
        # How the Hub reports, in the model's own mappings, a tag filter that
        # matches the model: its provider model, no tags.
        "inferenceProviderMapping": {
            "fal-ai": {
                "status": "live",
                "providerId": "sdxl-lora-mutualized",
                "task": "text-to-image",
                "type": "tag-filter",
                "adapter": "lora",
            }
        },
    }
    hub = make_hub(clock, providers=["fal-ai"])
    route = hub.resolve("acme/sdxl-style")
    assert (route.kind, route.provider_model) == ("tag-filter", "sdxl-lora-mutualized")
    resolver, model, caller = hub.resolver_for("acme/sdxl-style")
    candidates = resolver.explain(model, caller).candidates
    assert [c.reason for c in candidates] == ["selected"]
