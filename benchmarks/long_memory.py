"""Training time of the memory demo's long-lag commands: this checkout against an earlier commit.

Each command runs with the same seed in a checkout of the earlier commit (a temporary `git
worktree`) and in this one, one run at a time, alternating (earlier, this, earlier, this, ...),
so that a machine whose speed drifts slows both alike; JAX runs start from an empty compilation
cache, so each includes its compiling. It prints each run's training seconds, the seconds an
epoch (one update of both sequences), this checkout's time as a share of the earlier one's, and
whether both reached the same result. The lag-1000 command on TensorFlow and lag 300 there run a
fixed, smaller number of epochs (the rows say how many): at the documented 1000 they take many
minutes.

    python3 benchmarks/long_memory.py                           # against 5acfcfd, one round
    python3 benchmarks/long_memory.py --rounds 2 --only "lag 1000"
    python3 benchmarks/long_memory.py --before HEAD~3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import ROOT, command_line, run_script  # noqa: E402
from speed import jax_cache_env  # noqa: E402

BEFORE = "5acfcfd"
"""The commit before the LSTM's input product was taken out of its loop."""
LONG_LAG = ["--formulation", "long-lag", "--batch-size", "2"]


@dataclass(frozen=True)
class Case:
    name: str
    backend: str
    argv: list[str]


CASES = [
    Case("lag 100", "tensorflow", [*LONG_LAG, "--lag", "100", "--epochs", "600"]),
    Case("lag 100, --shortcut 32", "tensorflow", [*LONG_LAG, "--lag", "100", "--epochs", "600", "--shortcut", "32"]),
    Case("lag 100, --shortcut 32", "jax", [*LONG_LAG, "--lag", "100", "--epochs", "600", "--shortcut", "32"]),
    Case("lag 300, --shortcut 32", "jax", [*LONG_LAG, "--lag", "300", "--epochs", "1000", "--shortcut", "32"]),
    Case("lag 300, --shortcut 32, 200 epochs", "tensorflow",
         [*LONG_LAG, "--lag", "300", "--epochs", "200", "--shortcut", "32"]),
    Case("lag 1000, --shortcut 32 --units 64", "jax",
         [*LONG_LAG, "--lag", "1000", "--epochs", "1000", "--units", "64", "--shortcut", "32"]),
    Case("lag 1000, --shortcut 32 --units 64, 100 epochs", "tensorflow",
         [*LONG_LAG, "--lag", "1000", "--epochs", "100", "--units", "64", "--shortcut", "32"]),
]


FLOOR = """
import sys, time
from common.runtime.startup import prepare_backend
prepare_backend()
import keras, numpy as np
from common import backends, memory, models, training
from common.runtime.run import seed_everything
backends.current().INPUT_FIRST_ABOVE = 0  # the layer asked for, at every lag
lag, units, steps, layer = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
built = {"LSTM": keras.layers.LSTM, "product": models.InputFirstLSTM, "rows": models.InputFirstLSTM}[layer]
# The model with Keras's own LSTM, or the input product multiplied out, or picked as rows of the kernel.
models.InputFirstLSTM = lambda units, one_hot_inputs, **options: (
    built(units, **options) if layer == "LSTM" else built(units, one_hot_inputs=layer == "rows", **options))
task = memory.MemoryTask(lag)
x, y = memory.arrange(memory.step_pairs(task, memory.draw_sequences(task, None)), [0, 1], 2, "full")
seed_everything(1)
model = models.memory_full_bptt(task.steps, task.width, units, long_lag=True, shortcut=32)
training._build_for_loop(model, x, y, 2)
compiled = training._compiled_for(model, None)
batches, keep = np.zeros(steps, np.int32), np.zeros(steps, np.float32)
xs, ys = x[None], y[None]
np.asarray(compiled.run(xs, ys, batches, keep)[0])  # compiled, and run once
seconds = []
for _ in range(3):
    started = time.perf_counter()
    np.asarray(compiled.run(xs, ys, batches, keep)[0])
    seconds.append(time.perf_counter() - started)
print(min(seconds) / steps)
"""
"""A compiled call of `steps` training steps on one epoch already in memory, the fastest of three,
per step: what a step costs with no data to prepare. Run in this checkout, with Keras's LSTM or
InputFirstLSTM (its input product multiplied out, or picked as rows)."""


def floor_seconds(backend: str, lag: int, units: int, layer: str, steps: int = 32) -> float:
    """This checkout's training step of the lag-`lag` model, timed alone (`FLOOR`)."""
    finished = subprocess.run([sys.executable, "-c", FLOOR, str(lag), str(units), str(steps), layer], cwd=ROOT,
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)})
    return float(finished.stdout.split()[-1])


def _outcome(report: dict) -> str:
    metrics = report["metrics"]
    return f"{metrics['correct_steps']}/{metrics['total_steps']}, margins {metrics['last_step_margins']}"


def _checkout(commit: str, folder: Path) -> Path:
    """A work tree of `commit` in `folder` (the same repository, nothing copied)."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), commit], check=True,
                   capture_output=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help=f"the commit to compare with (default {BEFORE})")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each checkout per command, alternating")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="+", metavar="TEXT",
                        help="only the commands whose name (as printed) contains one of these")
    parser.add_argument("--floor", action="store_true",
                        help="first time one training step at lags 100, 300 and 1000 on each backend, alone, with "
                             "Keras's LSTM and with this checkout's InputFirstLSTM both ways")
    args = parser.parse_args()
    if args.floor:
        print("| lag | units | backend | Keras's LSTM s/step | input product first s/step | picked as rows s/step "
              "| LSTM / rows |")
        print("|---|---|---|---|---|---|---|")
        for lag, units in ((100, 20), (300, 20), (1000, 64)):
            for backend in ("jax", "tensorflow"):
                keras_lstm, product, rows = (floor_seconds(backend, lag, units, layer)
                                             for layer in ("LSTM", "product", "rows"))
                print(f"| {lag} | {units} | {backend} | {keras_lstm:.4f} | {product:.4f} | {rows:.4f} | "
                      f"{keras_lstm / rows:.2f}x |", flush=True)
    cases = [case for case in CASES if not args.only or any(text in case.name for text in args.only)]
    print(f"{platform.machine()}, {platform.processor() or 'cpu'}; seed {args.seed}; {args.before} against this "
          "checkout, alternating")
    print("| command | backend | epochs | before s | after s | before s/epoch | after s/epoch | after / before "
          "| result before -> after |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        before = _checkout(args.before, Path(scratch) / "before")
        try:
            for case in cases:
                epochs = int(case.argv[case.argv.index("--epochs") + 1])
                times: dict[Path, list[float]] = {before: [], ROOT: []}
                outcomes: dict[Path, str] = {}
                for _ in range(args.rounds):
                    for root in (before, ROOT):
                        with tempfile.TemporaryDirectory() as jax_cache:
                            report = run_script("memory_demo.py", case.argv, args.seed, backend=case.backend,
                                                env=jax_cache_env(jax_cache), root=root)
                        times[root].append(report["metrics"]["per_trial"][0]["train_seconds"])
                        outcomes[root] = _outcome(report)
                old, new = statistics.median(times[before]), statistics.median(times[ROOT])
                result = "same" if outcomes[before] == outcomes[ROOT] else f"{outcomes[before]} -> {outcomes[ROOT]}"
                print(f"| `{command_line('memory_demo.py', case.argv)}` | {case.backend} | {epochs} | "
                      f"{' / '.join(f'{t:.1f}' for t in times[before])} | {' / '.join(f'{t:.1f}' for t in times[ROOT])} "
                      f"| {old / epochs:.3f} | {new / epochs:.3f} | {new / old:.0%} | {result} |", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
