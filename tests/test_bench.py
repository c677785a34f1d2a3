"""The benchmark command's plumbing (the benchmarks themselves are run by hand: `dlcourse bench`)."""

from __future__ import annotations

import json

import torch

from dlcourse import data
from dlcourse.book import bench
from dlcourse.cli import main

CPU = torch.device("cpu")


def test_median_seconds_warms_up_then_times_each_repeat():
    calls = []
    seconds = bench.median_seconds(lambda: calls.append(1), CPU, repeats=3)
    assert len(calls) == 4 and 0 <= seconds < 1


def test_report_is_a_table_with_the_machine():
    rows = [{"benchmark": "MLP epoch", "baseline": "DataLoader(ToTensor()), 0 workers", "dlcourse_s": 1.0,
             "baseline_s": 7.5, "speedup": 7.5}]
    text = bench.report(rows, CPU)
    assert text.startswith("device: cpu") and f"torch {torch.__version__}" in text
    assert "| MLP epoch | 1.00 s | DataLoader(ToTensor()), 0 workers | 7.50 s | 7.5x |" in text


def test_population_comparison_runs_both_sides():
    row = bench.population_comparison(data.load().train, CPU, repeats=1, models=2, images=512)
    assert row["dlcourse_s"] > 0 and row["baseline_s"] > 0
    assert row["speedup"] == row["baseline_s"] / row["dlcourse_s"]


def test_bench_book_prints_the_last_run(tmp_path, capsys):
    assert main(["bench", "book", "--book", str(tmp_path)]) == 0
    assert "no record of a full nbval run" in capsys.readouterr().out
    (tmp_path / "chapters").mkdir()
    record = {"date": "2026-01-02", "total_seconds": 3.0,
              "machine": {"cpu": "X", "cores": 2, "device": "cpu (2 threads)", "python": "3.11", "torch": "2"},
              "notebooks": {"chapters/a/x.ipynb": {"seconds": 3.0, "passed": True}}}
    (tmp_path / "chapters" / "_run_times.json").write_text(json.dumps(record))
    assert main(["bench", "book", "--book", str(tmp_path)]) == 0
    assert "| `a/x.ipynb` | 3 | passed |" in capsys.readouterr().out


def test_unknown_benchmark_is_refused(capsys):
    assert main(["bench", "mpl"]) == 2
    assert "unknown benchmark mpl; choose from mlp, cnn, population, book" in capsys.readouterr().err
