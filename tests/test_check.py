"""``resolver check`` and :func:`resolver.testing.assert_routes`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from resolver.cli import cli
from resolver.cli.common import example_path
from resolver.errors import InvalidArgumentError
from resolver.kit.check import (
    Expectation,
    ExpectationError,
    check,
    expectation_from_dict,
    read_expectations,
)
from resolver.model import Model
from resolver.resolver import Resolver
from resolver.testing import assert_routes
from tests.test_lint import FLUX, single, tag_filter, write_rules

RULES = (
    tag_filter(["lora", FLUX], "fal/flux"),
    tag_filter(["lora", FLUX], "rep/flux", provider="replicate", status="staging"),
    single("me/special", "fal/special"),
)


@pytest.fixture
def resolver() -> Resolver:
    return Resolver.from_mappings(RULES)


def lora(**fields: Any) -> dict[str, Any]:
    return {"model": "me/lora", "tags": ["lora", FLUX], **fields}


def outcomes(resolver: Resolver, rows: list[dict[str, Any]]) -> list[bool]:
    path_rows = [read_row(row) for row in rows]
    return [result.passed for result in check(resolver, path_rows)]


def read_row(row: dict[str, Any]) -> Expectation:
    return expectation_from_dict(row)


def test_outcomes(resolver: Resolver) -> None:
    rows = [
        lora(expect="fal/flux"),
        lora(expect="fal/flux", expect_provider="replicate"),
        # Staging: only a member of Replicate's organisation gets it.
        lora(prefer=["replicate"], expect="fal/flux"),
        lora(prefer=["replicate"], orgs=["replicate"], expect="rep/flux"),
        lora(provider="replicate", expect=None),
        lora(task="image-to-image", expect=None),
        {"model": "ME/Special", "expect": "fal/special"},
        {"model": "me/other", "expect": None},
        {"model": "me/other", "expect": "fal/flux"},
    ]
    assert outcomes(resolver, rows) == [
        True,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_report_carries_the_explanation(resolver: Resolver) -> None:
    row = lora(tags=["LoRA", FLUX], expect="fal/flux")
    (result,) = check(resolver, [read_row(row)])
    assert not result.passed
    text = result.report()
    assert "expected me/lora -> fal/flux, got no route" in text
    assert "tag-differs" in text


def test_tags_from_models_file(tmp_path: Path, resolver: Resolver) -> None:
    path = tmp_path / "expect.json"
    path.write_text(json.dumps([{"model": "me/lora", "expect": "fal/flux"}]))
    models = [Model("Me/Lora", ["lora", FLUX])]
    (result,) = check(resolver, read_expectations(path, models))
    assert result.passed
    with pytest.raises(ExpectationError, match="no model record"):
        read_expectations(path, [Model("x/y", ["lora"])])


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"model": "a/b"}', "expect"),
        ('{"model": "a/b", "expect": null, "provder": "x"}', "provder"),
        ('{"model": "a/b", "expect": null, "tags": "lora"}', "tags"),
        ('{"model": "a/b", "expect": null, "tags": ["lora", 5]}', "tags[1]"),
        ('{"model": "", "expect": null}', "model"),
        ('{"model": "not a repo id", "expect": null}', "model"),
        ('{"model": "a/b\\ud800", "expect": null}', "model"),
        ('{"model": "a/b", "expect": null, "provider": " fal-ai"}', "provider"),
    ],
)
def test_bad_rows(tmp_path: Path, line: str, field: str) -> None:
    path = tmp_path / "expect.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ExpectationError) as caught:
        read_expectations(path)
    assert caught.value.field == field
    assert "line 1" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ("", "invalid JSON"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "expect.json"
    path.write_text(content)
    with pytest.raises(ExpectationError, match=message):
        read_expectations(path)


def test_json_lines_quirks(tmp_path: Path) -> None:
    # A byte order mark, and a raw U+2028 inside a string: both valid input.
    row = json.dumps({"model": "a/b", "expect": "m\u2028n"}, ensure_ascii=False)
    path = tmp_path / "expect.jsonl"
    path.write_text("\ufeff" + row + "\n", encoding="utf-8")
    (expectation,) = read_expectations(path)
    assert expectation.provider_model == "m\u2028n"


def test_misspelt_provider_fails_loudly(resolver: Resolver) -> None:
    with pytest.raises(ExpectationError, match="unknown provider 'fal'"):
        check(resolver, [read_row(lora(provider="fal", expect=None))])
    with pytest.raises(ExpectationError, match="unknown provider"):
        check(resolver, [read_row(lora(expect="fal/flux", expect_provider="fall-ai"))])


@pytest.mark.parametrize("table", [{"model": "a/b", "expect": None}, 5, [5]])
def test_assert_routes_refuses_what_is_not_a_table(
    resolver: Resolver, table: Any
) -> None:
    with pytest.raises(InvalidArgumentError):
        assert_routes(resolver, table)


def test_assert_routes(resolver: Resolver) -> None:
    assert_routes(resolver, [lora(expect="fal/flux")])
    with pytest.raises(
        AssertionError, match=r"1 of 2 expected routes differ"
    ) as caught:
        assert_routes(resolver, [lora(expect="fal/flux"), lora(expect="rep/flux")])
    # The staging Replicate filter is hidden from a caller outside its org.
    assert "hidden: replicate" in str(caught.value)


def test_command(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, *RULES)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(lora(expect="fal/flux")) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(lora(expect="rep/flux")) + "\n")
    runner = CliRunner()

    passed = runner.invoke(cli, ["check", "--rules", str(rules), str(good)])
    assert passed.exit_code == 0
    assert "1 of 1 expected routes hold" in passed.output

    failed = runner.invoke(cli, ["check", "--rules", str(rules), str(bad)])
    assert failed.exit_code == 1
    assert "got fal-ai fal/flux" in failed.output

    as_json = runner.invoke(cli, ["check", "--json", "--rules", str(rules), str(bad)])
    assert json.loads(as_json.output)["passed"] is False

    missing = runner.invoke(cli, ["check", "--rules", str(rules), str(tmp_path / "x")])
    assert missing.exit_code == 2


def test_shipped_example_holds() -> None:
    path = example_path("expectations.jsonl")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_real_data(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "expect.jsonl"
    rows = [
        {"model": "Datou1111/shou_xin", "expect": "black-forest-labs/flux-dev-lora"},
        # Capitalised LoRA: the exact filters miss it.
        {"model": "Cseti/CogVideoX-LoRA-Wallace_and_Gromit", "expect": None},
        # template:sd-lora without lora.
        {"model": "finetrainers/cakeify-v0", "expect": None},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    args = [
        "check",
        "--lenient",
        "--rules",
        str(data_dir / "provider_mappings.jsonl"),
        "--models",
        str(data_dir / "hub_models.jsonl"),
        str(path),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
