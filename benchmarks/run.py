"""Lookup speed, build time and memory of the resolver, side by side.

Run from the repository root::

    .venv/bin/python -m benchmarks.run --quick   # under a minute
    .venv/bin/python -m benchmarks.run --full    # 100 to 1,000,000 rules

Every figure of one size is measured in one process on the same inputs: the
floor (``table.get(model.id)`` on a dict of pre-built answers), an empty
Python function called in the same loop (the interpreter's share),
``Resolver.find`` and ``Resolver.resolve``, a linear scan over every mapping,
and huggingface_hub's cached provider selection. Cold lookups clear the
resolver's memo before each pass over the probe models, outside the timed
region, so each timed lookup is the model's first.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from time import perf_counter_ns
from typing import Any

from matplotlib.figure import Figure

from benchmarks.baselines import HubSelection, linear_find
from benchmarks.datasets import Dataset, build_dataset, raw_entries
from resolver.errors import NoRouteError
from resolver.model import Model
from resolver.resolver import PUBLIC, Resolver

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FULL_SIZES = (100, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (100, 10_000)
# The linear scan costs about a quarter of a second per lookup at 1,000,000
# rules; it gets this many mapping checks per repetition at most.
LINEAR_BUDGET = 2_000_000
CATEGORIES = ("single", "lora", "miss", "memo")
CATEGORY_TITLES = {
    "single": "single-model hit, first lookup",
    "lora": "tag-filter hit (LoRA), first lookup",
    "miss": "miss, first lookup",
    "memo": "repeated lookup (memo hit)",
}


@dataclass
class Stats:
    median: float
    p10: float
    p90: float
    lookups: int

    def spread(self) -> str:
        return f"{self.p10:,.0f}-{self.p90:,.0f}"


@dataclass
class SizeResult:
    size: int
    build_s: float
    loader_s: float | None
    bytes_per_mapping: float
    mean_tags: dict[str, float]
    timings: dict[str, dict[str, Stats]] = field(default_factory=dict)


@dataclass
class Settings:
    repeats: int
    lookups: int
    loader_limit: int


# -- timed passes ----------------------------------------------------------
# Every pass is the same loop shape: bind the callable to a local, iterate
# over the models, time the loop with perf_counter_ns.


def _noop(model: Model) -> None:
    return None


def _floor_pass(models: Sequence[Model], table: dict[str, Any]) -> int:
    get = table.get
    start = perf_counter_ns()
    for model in models:
        get(model.id)
    return perf_counter_ns() - start


def _call_pass(models: Sequence[Model], call: Callable[[Model], Any]) -> int:
    start = perf_counter_ns()
    for model in models:
        call(model)
    return perf_counter_ns() - start


def _resolve_pass(models: Sequence[Model], resolve: Callable[[Model], Any]) -> int:
    start = perf_counter_ns()
    for model in models:
        # contextlib.suppress would add a context manager per timed lookup.
        try:  # noqa: SIM105
            resolve(model)
        except NoRouteError:
            pass
    return perf_counter_ns() - start


def _measure(
    run_pass: Callable[[], int],
    per_pass: int,
    repeats: int,
    lookups: int,
    before: Callable[[], None] | None = None,
) -> Stats:
    """Per-lookup ns over ``repeats`` samples of about ``lookups`` lookups."""
    passes = max(1, math.ceil(lookups / per_pass))
    samples = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            elapsed = 0
            for _ in range(passes):
                if before is not None:
                    before()
                elapsed += run_pass()
            samples.append(elapsed / (passes * per_pass))
    finally:
        gc.enable()
    deciles = statistics.quantiles(samples, n=10) if len(samples) > 1 else samples * 9
    return Stats(statistics.median(samples), deciles[0], deciles[-1], passes * per_pass)


# -- one size --------------------------------------------------------------


def _build_time(dataset: Dataset) -> float:
    gc.collect()
    start = time.perf_counter()
    Resolver(dataset.mappings)
    return time.perf_counter() - start


def _memory_per_mapping(dataset: Dataset) -> float:
    # The Mapping objects are the input; what counts is what the resolver
    # allocates on top of them and keeps.
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    resolver = Resolver(dataset.mappings)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del resolver
    return (after - before) / max(1, len(dataset.mappings))


def _loader_time(dataset: Dataset) -> float:
    entries = raw_entries(dataset.mappings)
    gc.collect()
    start = time.perf_counter()
    Resolver.from_mappings(entries, source="benchmark")
    return time.perf_counter() - start


def _pools(dataset: Dataset) -> dict[str, tuple[Model, ...]]:
    probes = dataset.probes
    return {
        "single": probes.single,
        "lora": probes.lora,
        "miss": probes.miss,
        # One model looked up again and again by the same caller.
        "memo": (probes.single[0],) * len(probes.lora),
    }


def measure_size(
    size: int, settings: Settings, log: Callable[[str], None]
) -> SizeResult:
    dataset = build_dataset(size)
    log(f"{size:>9,} rules: dataset ready")
    build_s = min(_build_time(dataset) for _ in range(1 if size >= 100_000 else 3))
    memory = _memory_per_mapping(dataset)
    loader_s = _loader_time(dataset) if size <= settings.loader_limit else None
    log(f"{size:>9,} rules: build {build_s:.2f} s, {memory:.0f} B/mapping")

    resolver = Resolver(dataset.mappings)
    index = resolver._index
    orgs = resolver.provider_orgs
    pools = _pools(dataset)
    result = SizeResult(
        size,
        build_s,
        loader_s,
        memory,
        {
            name: statistics.fmean(len(m.tags) for m in pool)
            for name, pool in pools.items()
        },
    )
    hub = HubSelection(resolver, dataset.probes.single + dataset.probes.lora, PUBLIC)
    repeats, lookups = settings.repeats, settings.lookups

    for name, pool in pools.items():
        rows: dict[str, Stats] = {}
        cold = None if name == "memo" else index.clear_memo
        table = {model.id: resolver.find(model) for model in pool}
        find, resolve = resolver.find, resolver.resolve

        # The linear scan must agree with the resolver, or the ratio is moot.
        linear_models = pool[: max(1, min(len(pool), LINEAR_BUDGET // size))]
        for model in linear_models:
            route = resolver.find(model)
            expected = linear_find(dataset.mappings, orgs, model, caller=PUBLIC)
            assert (route and route.mapping) == expected, model.id

        n = len(pool)
        rows["floor: dict.get"] = _measure(
            partial(_floor_pass, pool, table), n, repeats, lookups
        )
        rows["empty function"] = _measure(
            partial(_call_pass, pool, _noop), n, repeats, lookups
        )
        rows["Resolver.find"] = _measure(
            partial(_call_pass, pool, find), n, repeats, lookups, cold
        )
        # A miss through resolve builds the full explanation (milliseconds
        # at large sizes), so it gets one pass per repetition.
        miss = name == "miss"
        rows["Resolver.resolve"] = _measure(
            partial(_resolve_pass, pool, resolve),
            n,
            3 if miss else repeats,
            n if miss else lookups,
            cold,
        )

        def linear(model: Model) -> Any:
            return linear_find(dataset.mappings, orgs, model, caller=PUBLIC)

        linear_repeats = 3 if size >= 100_000 else repeats
        rows["linear scan"] = _measure(
            partial(_call_pass, linear_models, linear),
            len(linear_models),
            linear_repeats,
            len(linear_models),
        )

        covered = tuple(model for model in pool if hub.covers(model))
        if covered:
            with hub.installed() as select:
                rows["huggingface_hub"] = _measure(
                    partial(_call_pass, covered, select),
                    len(covered),
                    repeats,
                    lookups,
                )
        result.timings[name] = rows
        log(f"{size:>9,} rules: {name} measured")
    return result


# -- report ----------------------------------------------------------------


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:,.1f}x" if reference > 0 else "-"


def lookup_table(results: Sequence[SizeResult]) -> str:
    lines = [
        "| rules | lookup | method | median ns | p10-p90 ns | x floor "
        "| linear / this |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for result in results:
        for name, rows in result.timings.items():
            floor = rows["floor: dict.get"].median
            linear = rows["linear scan"]
            for method, stats in rows.items():
                speedup = _ratio(linear.median, stats.median)
                if method == "linear scan":
                    speedup = f"({linear.lookups} lookups)"
                lines.append(
                    f"| {result.size:,} | {CATEGORY_TITLES[name]} | {method} "
                    f"| {stats.median:,.0f} | {stats.spread()} "
                    f"| {_ratio(stats.median, floor)} | {speedup} |"
                )
    return "\n".join(lines)


def build_table(results: Sequence[SizeResult]) -> str:
    lines = [
        "| rules | build from Mapping objects | ns / mapping | bytes / mapping "
        "| load raw JSON entries (pydantic) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        loader = "not run" if r.loader_s is None else f"{r.loader_s:.2f} s"
        lines.append(
            f"| {r.size:,} | {r.build_s:.3f} s | {r.build_s * 1e9 / r.size:,.0f} "
            f"| {r.bytes_per_mapping:,.0f} | {loader} |"
        )
    return "\n".join(lines)


# The targets on growth, the linear scan and build time are set at this size.
TARGET_SIZE = 1_000_000


def targets(results: Sequence[SizeResult]) -> list[tuple[str, bool | None, str]]:
    """Each target with whether it was met (None: this run is too small to
    tell) and the measured figure."""
    small, large = results[0], results[-1]
    at_scale = True if large.size >= TARGET_SIZE else None
    checks: list[tuple[str, bool | None, str]] = []

    def ratio(result: SizeResult, name: str) -> float:
        rows = result.timings[name]
        return rows["Resolver.find"].median / rows["floor: dict.get"].median

    worst_memo = max(ratio(r, "memo") for r in results)
    checks.append(
        (
            "repeated lookup within 2x of floor",
            worst_memo <= 2,
            f"worst {worst_memo:.2f}x",
        )
    )
    worst_single = max(ratio(r, "single") for r in results)
    checks.append(
        (
            "first single-model hit within 5x of floor",
            worst_single <= 5,
            f"worst {worst_single:.2f}x",
        )
    )
    lora_small = small.timings["lora"]["Resolver.find"].median
    lora_large = large.timings["lora"]["Resolver.find"].median
    growth = lora_large / lora_small
    checks.append(
        (
            f"tag filter at {large.size:,} within 1.5x of {small.size:,} rules",
            at_scale and growth <= 1.5,
            f"{growth:.2f}x ({lora_large:,.0f} vs {lora_small:,.0f} ns)",
        )
    )
    speedup = large.timings["lora"]["linear scan"].median / lora_large
    checks.append(
        (
            f"tag filter 10,000x faster than linear scan at {large.size:,}",
            at_scale and speedup >= 10_000,
            f"{speedup:,.0f}x",
        )
    )
    per_tag = max(
        (
            r.timings["lora"]["Resolver.find"].median
            - r.timings["lora"]["floor: dict.get"].median
        )
        / r.mean_tags["lora"]
        for r in results
    )
    checks.append(
        (
            "tag filter at most ~100 ns per model tag above floor",
            per_tag <= 100,
            f"worst {per_tag:.0f} ns/tag",
        )
    )
    checks.append(
        (
            f"build {large.size:,} mappings under 10 s",
            at_scale and large.build_s < 10,
            f"{large.build_s:.2f} s",
        )
    )
    memory = (
        max(r.bytes_per_mapping for r in results if r.size >= 10_000)
        if large.size >= 10_000
        else large.bytes_per_mapping
    )
    checks.append(
        (
            "under 300 bytes per mapping beyond the input",
            memory < 300,
            f"worst {memory:.0f} B (sizes >= 10,000)",
        )
    )
    return checks


def report(results: Sequence[SizeResult], mode: str) -> str:
    checks = targets(results)
    verdicts = {True: "met", False: "MISSED", None: f"n/a below {TARGET_SIZE:,} rules"}
    target_lines = "\n".join(
        f"| {name} | {verdicts[met]} | {figure} |" for name, met, figure in checks
    )
    return (
        f"# Resolver benchmarks ({mode}, Python {sys.version.split()[0]})\n\n"
        "## Lookups (ns per lookup, median over repetitions)\n\n"
        f"{lookup_table(results)}\n\n"
        "## Build and memory\n\n"
        f"{build_table(results)}\n\n"
        "## Targets\n\n| target | result | measured |\n|---|---|---|\n"
        f"{target_lines}\n"
    )


def plot(results: Sequence[SizeResult], path: Path) -> None:
    # A bare Figure needs no pyplot and no display backend.
    sizes = [r.size for r in results]
    figure = Figure(figsize=(8, 5.5))
    axes = figure.subplots()
    series = [
        ("lora", "floor: dict.get", "floor (dict.get)", "k:"),
        ("lora", "empty function", "empty function call", "k--"),
        ("memo", "Resolver.find", "find, memo hit", "C0-o"),
        ("single", "Resolver.find", "find, single-model, first", "C1-o"),
        ("lora", "Resolver.find", "find, tag filter, first", "C2-o"),
        ("miss", "Resolver.find", "find, miss, first", "C3-o"),
        ("lora", "huggingface_hub", "huggingface_hub cached selection", "C4-s"),
        ("lora", "linear scan", "linear scan, tag filter", "C5-^"),
    ]
    for name, method, label, style in series:
        values = [r.timings[name].get(method) for r in results]
        if all(v is not None for v in values):
            axes.plot(sizes, [v.median for v in values if v], style, label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("mappings in the rule set")
    axes.set_ylabel("ns per lookup (median)")
    axes.set_title("Lookup cost against rule count")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_true", help="100 and 10,000 rules (default)"
    )
    mode.add_argument("--full", action="store_true", help="up to 1,000,000 rules")
    parser.add_argument("--sizes", type=int, nargs="+", help="rule counts to run")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    parser.add_argument("--repeats", type=int, help="samples per figure")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    args = parser.parse_args(argv)

    name = "full" if args.full else "quick"
    settings = (
        Settings(repeats=15, lookups=2000, loader_limit=100_000)
        if args.full
        else Settings(repeats=7, lookups=1000, loader_limit=10_000)
    )
    if args.repeats:
        settings.repeats = args.repeats
    sizes = tuple(args.sizes or (FULL_SIZES if args.full else QUICK_SIZES))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = [measure_size(size, settings, log) for size in sizes]
    text = report(results, name)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.md").write_text(text, encoding="utf-8")
    raw = [asdict(r) for r in results]
    (args.out / f"{name}.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    if not args.no_plot:
        plot(results, args.out / f"{name}.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
