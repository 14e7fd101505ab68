"""`beian bench --json --quick` runs in a scratch database and prints the promised numbers."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from workflows.cli import main

KEYS = {"step_ms_p50", "engine_step_ms_p50", "step_ratio", "sweep_idle_ms", "sweep_ms_per_due", "instance_bytes_p50",
        "board_page_ms", "board_filtered_ms"}


def test_bench_quick_prints_the_numbers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BEIAN_VAR", str(tmp_path))
    monkeypatch.delenv("BEIAN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["bench", "--json", "--quick"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output)
    assert set(numbers) >= KEYS
    assert all(isinstance(numbers[k], int | float) and numbers[k] > 0 for k in KEYS)
    assert numbers["sweep_due"] == 100 and numbers["timers_left_waiting"] == 4900
    ratio = numbers["step_ms_p50"] / numbers["engine_step_ms_p50"]
    assert abs(numbers["step_ratio"] - ratio) < 0.01 * ratio
    # the user's folder and environment are left alone
    assert list(tmp_path.iterdir()) == []
    assert os.environ["BEIAN_VAR"] == str(tmp_path) and "BEIAN_DATABASE_URL" not in os.environ
