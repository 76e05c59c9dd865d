"""Does each tutorial's claim reproduce? Runs every experiment over several seeds, writes REPRODUCTION.md.

One row per experiment at the tutorial's settings, plus the extensions that have targets: the
tutorial's reported figure, our median and worst figure over the seeds, how many seeds reproduce
the claim, and the median training time. Runs one training at a time.

    python3 benchmarks/reproduce.py                 # 5 seeds, every row (long: see docs/speed.md)
    python3 benchmarks/reproduce.py --quick         # 1 seed, short schedules: a smoke check
    python3 benchmarks/reproduce.py --seeds 6-10    # fresh seeds, for settings chosen on 1-5
    python3 benchmarks/reproduce.py --backend torch --only echo_full   # on PyTorch, in a table of its own
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import ROOT, command_line, run_script, seed_list  # noqa: E402


@dataclass(frozen=True)
class Row:
    name: str
    script: str
    metric: str
    reported: str
    threshold: float
    higher_is_better: bool = True
    argv: list[str] = field(default_factory=list)
    quick_argv: list[str] = field(default_factory=list)
    max_seeds: int | None = None
    long: bool = False
    recorded_config: dict = field(default_factory=dict)
    backend: str | None = None
    """The Keras backend the row runs on (None: the one Keras picks); the long-sequence rows name
    JAX, where their documented command runs."""

    def reproduces(self, value: float) -> bool:
        return value >= self.threshold if self.higher_is_better else value <= self.threshold

    def criterion(self) -> str:
        return f"{self.metric} {'>=' if self.higher_is_better else '<='} {self.threshold:g}"


TWO_DIGITS = ["--largest", "99", "--holdout", "0.1", "--reverse", "--decoder", "feedback", "--units",
              "128", "--examples", "5000", "--batch-size", "50", "--epochs", "60"]
THREE_DIGITS = ["--largest", "999", "--holdout", "0.1", "--reverse", "--reverse-answer", "--decoder", "feedback",
                "--units", "128", "--examples", "10000", "--batch-size", "50", "--epochs", "120", "--decay"]
TWO_TO_FOUR_TERMS = ["--terms", "2-4", "--holdout", "0.1", "--reverse", "--reverse-answer", "--decoder", "feedback",
                     "--mask", "--units", "256", "--examples", "5000", "--batch-size", "50", "--epochs", "120", "--decay"]
BRACKETS = ["--terms", "3", "--brackets", "--ops", "+-*", "--holdout", "0.1", "--reverse", "--reverse-answer", "--decoder",
            "feedback", "--units", "256", "--examples", "10000", "--batch-size", "50", "--epochs", "200", "--decay"]
LONG_LAG_SHORTCUT = ["--formulation", "long-lag", "--batch-size", "2", "--epochs", "1000", "--shortcut", "32"]
SERIAL_64 = ["--formulation", "serial", "--epochs", "30", "--test-bits", "64", "--rows", "3"]

ROWS = [
    Row("addition_mapping", "addition_mapping.py", "rmse", "RMSE 0.565685", 0.565685,
        higher_is_better=False, quick_argv=["--epochs", "10"]),
    Row("addition_mapping --epochs 300 --decay", "addition_mapping.py", "rmse", "(fix) RMSE 0.565685",
        0.565685, higher_is_better=False, argv=["--epochs", "300", "--decay"], quick_argv=["--epochs", "10"]),
    Row("addition_mlp", "addition_mlp.py", "rmse", "RMSE 0.000000, every row exact", 0.0,
        higher_is_better=False, quick_argv=["--epochs", "5"]),
    Row("addition_mlp --epochs 100", "addition_mlp.py", "rmse", "(fix) RMSE 0.000000", 0.0,
        higher_is_better=False, argv=["--epochs", "100"], quick_argv=["--epochs", "5"]),
    Row("addition_seq2seq", "addition_seq2seq.py", "exact_match", "acc 0.9940 (last epoch), 20/20 rows",
        1.0, quick_argv=["--epochs", "3"]),
    Row("addition_seq2seq --epochs 60", "addition_seq2seq.py", "exact_match", "(fix) 20/20 rows", 1.0,
        argv=["--epochs", "60"], quick_argv=["--epochs", "3"]),
    Row("echo_full", "echo_full.py", "exact_match", "acc 1.0, 21/21 windows", 0.99,
        quick_argv=["--epochs", "50", "--eval-sequences", "10"]),
    Row("echo_full --epochs 1000", "echo_full.py", "exact_match", "(fix, target 99%)", 0.99,
        argv=["--epochs", "1000"], quick_argv=["--epochs", "50", "--eval-sequences", "10"]),
    Row("echo_partial", "echo_partial.py", "exact_match", "acc 1.0 in training, 20/21 windows",
        20 / 21, quick_argv=["--epochs", "100", "--eval-sequences", "10"]),
    Row("memory_demo", "memory_demo.py", "solved", "8/8 steps right", 1.0,
        quick_argv=["--epochs", "25"]),
    Row("binary_addition", "binary_addition.py", "exact_match_all", "loss 0.0045, 100/100 rows", 1.0,
        quick_argv=["--epochs", "1"], max_seeds=1, long=True,
        recorded_config={"formulation": "tutorial", "bits": 8, "epochs": 100, "until_exact": False}),
    Row("binary_addition --until-exact", "binary_addition.py", "exact_match_all",
        "(extension) every pair right", 1.0, argv=["--until-exact"], quick_argv=["--epochs", "1"],
        max_seeds=1, long=True,
        recorded_config={"formulation": "tutorial", "bits": 8, "epochs": 100, "until_exact": True}),
    Row("memory_demo --formulation full-bptt", "memory_demo.py", "solved", "(extension) 8/8 steps right", 1.0,
        argv=["--formulation", "full-bptt"], quick_argv=["--epochs", "25"]),
    Row("memory_demo --formulation long-lag", "memory_demo.py", "solved", "(fix) 8/8 steps right", 1.0,
        argv=["--formulation", "long-lag"], quick_argv=["--epochs", "25"]),
    Row("memory_demo --formulation long-lag --lag 100", "memory_demo.py", "solved", "(extension, target 4/5 seeds)",
        1.0, argv=["--formulation", "long-lag", "--lag", "100", "--batch-size", "2", "--epochs", "600"],
        quick_argv=["--epochs", "5"]),
    Row("memory_demo --formulation long-lag --lag 100 --shortcut 32", "memory_demo.py", "solved",
        "(extension, target 4/5 seeds)", 1.0,
        argv=["--formulation", "long-lag", "--lag", "100", "--batch-size", "2", "--epochs", "600", "--shortcut", "32"],
        quick_argv=["--epochs", "5"]),
    Row("memory_demo --formulation long-lag --lag 300 --shortcut 32", "memory_demo.py", "solved",
        "(extension, target 4/5 seeds)", 1.0, argv=[*LONG_LAG_SHORTCUT, "--lag", "300"],
        quick_argv=["--epochs", "5"], backend="jax"),
    Row("memory_demo --formulation long-lag --lag 1000 --shortcut 32 --units 64", "memory_demo.py", "solved",
        "(extension, target 4/5 seeds)", 1.0, argv=[*LONG_LAG_SHORTCUT, "--lag", "1000", "--units", "64"],
        quick_argv=["--epochs", "5"], backend="jax"),
    Row("memory_demo --formulation long-lag --lag 1000 --units 64 --memory-units 10 --last-step-share 0.9",
        "memory_demo.py", "solved", "(extension: Hochreiter & Schmidhuber's lag 1000, no shortcut)", 1.0,
        argv=["--formulation", "long-lag", "--batch-size", "2", "--epochs", "1000", "--lag", "1000", "--units", "64",
              "--memory-units", "10", "--last-step-share", "0.9"],
        quick_argv=["--epochs", "5"], backend="jax"),
    Row("addition_seq2seq two digits held out", "addition_seq2seq.py", "holdout_exact_match",
        "(reader: ~58% test accuracy)", 0.99, argv=TWO_DIGITS, quick_argv=["--epochs", "2"]),
    Row("addition_seq2seq two digits held out, --reverse-answer", "addition_seq2seq.py", "holdout_exact_match",
        "(reader: ~58% test accuracy)", 0.99, argv=[*TWO_DIGITS, "--reverse-answer"], quick_argv=["--epochs", "2"]),
    Row("addition_seq2seq three digits held out", "addition_seq2seq.py", "holdout_exact_match",
        "(extension, target 99%)", 0.99, argv=THREE_DIGITS, quick_argv=["--epochs", "1"]),
    Row("addition_seq2seq two to four terms held out", "addition_seq2seq.py", "holdout_exact_match",
        "(extension, target 99%)", 0.99, argv=TWO_TO_FOUR_TERMS, quick_argv=["--epochs", "1"]),
    Row("addition_seq2seq three terms with brackets held out", "addition_seq2seq.py", "holdout_exact_match",
        "(extension, target 99%)", 0.99, argv=BRACKETS, quick_argv=["--epochs", "1"], long=True,
        recorded_config={"terms": 3, "brackets": True, "ops": "+-*", "holdout": 0.1, "units": 256, "epochs": 200,
                         "decay": True}),
    Row("binary_addition serial, 64-bit test", "binary_addition.py", "test_exact_match",
        "(extension, target 100%)", 1.0, argv=SERIAL_64, quick_argv=["--epochs", "1"]),
]


def load_recorded(path: Path) -> dict:
    """An earlier `--json` document of one of the scripts."""
    return json.loads(path.read_text())


def matches(row: Row, recorded: dict) -> bool:
    """Whether a recorded run is this row's script with this row's settings.

    An `--until-exact` run that never stopped early made the same updates as the run without the
    flag (its check reads the model in inference mode only), so it stands for that row too.
    """
    config, wanted = recorded.get("config", {}), dict(row.recorded_config)
    never_stopped = config.get("until_exact") and recorded.get("metrics", {}).get("exact_epoch") is None
    if wanted.get("until_exact") is False and never_stopped:
        del wanted["until_exact"]
    return recorded.get("script") == row.script and bool(wanted) and all(
        config.get(key) == value for key, value in wanted.items())


def plot_argv(directory: Path | None, row: Row, seed: int, first: int) -> list[str]:
    """`--plot DIR/<row>.png` for the `first` seed when plots were asked for."""
    if directory is None or seed != first:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in row.name).strip("_")
    return ["--plot", str(directory / f"{slug}.png")]


BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
MAIN_HEADER = ["experiment", "command", "tutorial reported", "reproduces when", "our median", "our worst",
               "seeds reproducing", "median train s"]
BACKEND_HEADER = ["experiment", "command", "reproduces when", "our median", "our worst", "seeds reproducing",
                  "seeds reproducing above", "median train s"]
"""A table of rows run on another backend than their own: beside each count, the same row's count in
the main table, so the two backends' reproduction reads side by side."""


def section_title(backend: str) -> str:
    return f"## On {BACKEND_NAMES[backend]}"


def read_report(text: str) -> tuple[dict[str | None, list[str]], list[str], list[str]]:
    """A report's table rows (by backend; None: the main table), run lines and notes."""
    titles = {section_title(backend): backend for backend in BACKEND_NAMES}
    tables: dict[str | None, list[str]] = {}
    runs, notes, backend = [], [], None
    for line in text.splitlines():
        if line in titles:
            backend = titles[line]
        elif line.startswith("| ") and not line.startswith("| experiment"):
            tables.setdefault(backend, []).append(line)
        elif line.startswith("- 20"):
            runs.append(line)
        elif line.startswith("- "):
            notes.append(line[2:])
    return tables, runs, notes


def merge_report(previous: str, tables: dict[str | None, list[str]], runs: list[str],
                 notes: list[str]) -> tuple[dict[str | None, list[str]], list[str], list[str]]:
    """Earlier rows, runs and notes of `previous`, with the rows run now replacing theirs."""
    old_tables, old_runs, old_notes = read_report(previous)
    order = {f"| {row.name}": index for index, row in enumerate(ROWS)}
    merged = {}
    for backend in old_tables.keys() | tables.keys():
        fresh = tables.get(backend, [])
        kept = [line for line in old_tables.get(backend, [])
                if line.split(" | ")[0] not in {new.split(" | ")[0] for new in fresh}]
        merged[backend] = sorted(kept + fresh, key=lambda line: order.get(line.split(" | ")[0], len(ROWS)))
    return merged, old_runs + runs, old_notes + notes


def render_table(header: list[str], lines: list[str]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *lines]) + "\n"


def render_report(tables: dict[str | None, list[str]], runs: list[str], notes: list[str]) -> str:
    """The main table, its notes, then one table per other backend, each row beside its count above."""
    main = tables.get(None, [])
    counts_above = {line.split(" | ")[0]: line.split(" | ")[6] for line in main}
    text = ("# Reproduction report\n\nGenerated by these runs, each row from the latest run of it:\n\n"
            + "\n".join(runs) + "\n\n" + render_table(MAIN_HEADER, main)
            + "".join(f"\n- {note}" for note in notes) + "\n")
    for backend in sorted(key for key in tables if key is not None):
        lines = []
        for line in tables[backend]:
            cells = line.split(" | ")
            cells[6] = counts_above.get(cells[0], "not run")
            lines.append(" | ".join(cells))
        text += (f"\n{section_title(backend)}\n\nThe same commands, seeds and criteria with "
                 f"`KERAS_BACKEND={backend}`; beside each count, the same row's count in the table above.\n\n"
                 + render_table(BACKEND_HEADER, lines))
    return text


def summarise(row: Row, values: list[float], seconds: list[float], backend: str | None) -> list[str]:
    """The row's cells: MAIN_HEADER's when it ran on its own backend, else (`--backend`)
    BACKEND_HEADER's, the count above left for `render_report` to fill."""
    worst = min(values) if row.higher_is_better else max(values)
    hits = sum(row.reproduces(v) for v in values)
    prefix = f"KERAS_BACKEND={backend or row.backend} " if backend or row.backend else ""
    command = f"`{prefix}{command_line(row.script, row.argv)}`"
    figures = [f"{statistics.median(values):.4f}", f"{worst:.4f}", f"{hits}/{len(values)}"]
    if backend is None:
        return [row.name, command, row.reported, row.criterion(), *figures, f"{statistics.median(seconds):.1f}"]
    return [row.name, command, row.criterion(), *figures, "", f"{statistics.median(seconds):.1f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seeds", type=lambda text: seed_list(text, single_is_count=True),
                        default=seed_list("5", single_is_count=True),
                        help="seeds per row: N for 1..N, or a range such as 6-10")
    parser.add_argument("--quick", action="store_true", help="1 seed and short schedules")
    parser.add_argument("--only", nargs="+", choices=[r.name for r in ROWS], help="only these rows")
    parser.add_argument("--output", type=Path, default=ROOT / "REPRODUCTION.md")
    parser.add_argument("--update", action="store_true",
                        help="keep the other rows of an existing --output, replacing only the rows run now")
    parser.add_argument("--plots", type=Path, metavar="DIR",
                        help="also write each row's training curves (seed 1) to DIR/<row>.png")
    parser.add_argument("--recorded", nargs="+", type=Path, default=[], metavar="JSON",
                        help="take long rows (over 5 minutes a seed) from these earlier --json runs "
                             "of the same command instead of training again; the report says so")
    parser.add_argument("--backend", choices=sorted(set(BACKEND_NAMES) - {"tensorflow"}),
                        help="run the rows on this Keras backend instead of their own; they go to a "
                             "table of their own, beside the main table's count, and every other row and "
                             "table of --output is kept (as with --update)")
    args = parser.parse_args()
    seeds = [1] if args.quick else args.seeds
    if args.backend and (args.recorded or args.plots):
        parser.error("--backend trains every row it runs and keeps the main table's plots: "
                     "leave out --recorded and --plots")
    args.update = args.update or args.backend is not None  # its table sits beside the main one

    lines: list[str] = []
    started = time.time()
    notes: list[str] = []
    for row in ROWS:
        if args.only and row.name not in args.only:
            continue
        argv = row.argv + (row.quick_argv if args.quick else [])
        values, seconds = [], []
        recorded = [r for r in map(load_recorded, args.recorded) if matches(row, r)]
        if row.long and recorded:
            runs = [(r["config"]["seed"], r) for r in recorded]
            notes.append(f"{row.name}: taken from an earlier run of the same command "
                         f"(seeds {', '.join(str(seed) for seed, _ in runs)}), not re-trained.")
        else:
            runs = ((seed, run_script(row.script, argv + plot_argv(args.plots, row, seed, seeds[0]), seed,
                                      backend=args.backend or row.backend))
                    for seed in seeds[:row.max_seeds])
        for seed, result in runs:
            values.append(float(result["metrics"][row.metric]))
            seconds.append(float(result["train_seconds"] or 0.0))
            print(f"{row.name} seed {seed}: {row.metric}={values[-1]:.4f} "
                  f"train {seconds[-1]:.1f} s", flush=True)
        lines.append("| " + " | ".join(summarise(row, values, seconds, args.backend)) + " |")

    invocation = shlex.join(["python3", "benchmarks/reproduce.py", *sys.argv[1:]])
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    runs = [f"- {stamp}: `{invocation}` on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), "
            f"{time.time() - started:.0f} s, seeds {seeds[0]}..{seeds[-1]} (rows with fewer say so)."]
    tables = {args.backend: lines}
    if args.update and args.output.exists():
        tables, runs, notes = merge_report(args.output.read_text(), tables, runs, notes)
    text = render_report(tables, runs, notes)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
