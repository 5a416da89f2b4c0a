"""The benchmark runs end to end on a tiny rule set and writes its table.

Timings are not asserted: the machine decides them. What is checked is that
the one command a newcomer runs produces the report, the raw figures and the
plot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import run


def test_tiny_run_writes_table_and_plot(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run.main(["--sizes", "100", "--repeats", "2", "--out", str(tmp_path)]) == 0

    table = (tmp_path / "quick.md").read_text(encoding="utf-8")
    assert "| rules | lookup | method |" in table
    for method in (
        "floor: dict.get",
        "Resolver.find",
        "linear scan",
        "huggingface_hub",
    ):
        assert method in table
    assert "## Targets" in table
    assert (tmp_path / "quick.json").is_file()
    assert (tmp_path / "quick.png").stat().st_size > 0
    assert "Resolver.find" in capsys.readouterr().out
