"""Training time of each experiment: the tutorials' loop against the project's, on each backend.

Each experiment trains with the same seed and data with `--loop plain` (one `model.fit` call per
epoch, per sequence for the stateful ones, as the tutorials do) and with `--loop fast` (the
project's compiled loop, same weight updates), on TensorFlow, on JAX and, where it is installed,
on PyTorch, one run at a time. It prints the training seconds, the whole process's seconds
(start-up, training, evaluation), the plain/fast ratio, whether both loops reached the same
figures, and then each backend against TensorFlow. On JAX, Keras's `fit` drops a stateful layer's
state, and on PyTorch it fails on a stateful LSTM, so there is no plain run of the stateful
experiments there. The project's loop runs twice on JAX: first with an empty compilation cache
(a first run), then again with the programs the first run compiled (any later run of the same
command). Never run two trainings at once: a ratio means something only on an otherwise idle
machine.

    python3 benchmarks/speed.py                      # the tutorials' settings
    python3 benchmarks/speed.py --epochs-fraction 0.1 --only echo_full memory_demo
    python3 benchmarks/speed.py --skip-plain         # the project's loop only: the backends compared
    python3 benchmarks/speed.py --skip-plain --repeats 3   # medians of three rounds: for a noisy machine
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import platform
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import command_line, run_script  # noqa: E402


@dataclass(frozen=True)
class Experiment:
    name: str
    script: str
    epochs: int
    stateful: bool
    argv: list[str] = field(default_factory=list)


EXPERIMENTS = [
    Experiment("addition_mapping", "addition_mapping.py", 100, stateful=False),
    Experiment("addition_mlp", "addition_mlp.py", 50, stateful=False),
    Experiment("addition_seq2seq", "addition_seq2seq.py", 30, stateful=False),
    Experiment("echo_full", "echo_full.py", 500, stateful=True),
    Experiment("echo_partial", "echo_partial.py", 5000, stateful=True),
    Experiment("memory_demo", "memory_demo.py", 250, stateful=True),
]
BACKENDS = ("tensorflow", "jax", "torch") if importlib.util.find_spec("torch") else ("tensorflow", "jax")
JAX_WARM = "jax (cached)"
"""The second JAX run, with the programs the first compiled."""
TOLERANCE = 1e-6


def _without_timings(value: object) -> object:
    """A metric with any nested `train_seconds` (per-trial records) left out: it is not a figure."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "train_seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def compare(plain: dict, fast: dict) -> str:
    """'same' when every shared metric agrees, else the ones that differ."""
    differences = []
    for key in sorted(set(plain) & set(fast)):
        a, b = _without_timings(plain[key]), _without_timings(fast[key])
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                differences.append(f"{key} {a:.6g} vs {b:.6g}")
        elif a != b:
            differences.append(f"{key} {a} vs {b}")
    return "same" if not differences else "differs: " + "; ".join(differences)


def jax_cache_env(folder: str) -> dict[str, str]:
    """JAX's compilation cache in `folder`, every compilation kept, whatever the user's settings."""
    return {"JAX_COMPILATION_CACHE_DIR": folder, "JAX_ENABLE_COMPILATION_CACHE": "true",
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}


def timed_rounds(script: str, argv: list[str], seed: int, repeats: int) -> dict[str, list[dict]]:
    """`repeats` rounds of the project's loop: TensorFlow, JAX with an empty compilation cache,
    PyTorch where installed, JAX with what the first JAX run compiled; one run at a time, round after round, so that a machine whose speed
    drifts slows every configuration alike. Returns each configuration's runs in order."""
    runs: dict[str, list[dict]] = {backend: [] for backend in (*BACKENDS, JAX_WARM)}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as jax_cache:  # empty for the first JAX run, filled by it
            for backend, done in runs.items():
                done.append(run_script(script, argv, seed, loop="fast", backend=backend.split()[0],
                                       env=jax_cache_env(jax_cache)))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=[e.name for e in EXPERIMENTS],
                        help="run only these experiments")
    parser.add_argument("--epochs-fraction", type=float, default=1.0,
                        help="train this fraction of each tutorial's epochs (a quick look)")
    parser.add_argument("--skip-plain", action="store_true",
                        help="leave out the tutorials' loop: only the backends compared")
    parser.add_argument("--repeats", type=int, default=1,
                        help="run the project's loop this many rounds and report each time's median "
                             "(the tutorials' loop runs once, after them: its ratio is to the median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    if not 0 < args.epochs_fraction <= 1:
        parser.error(f"--epochs-fraction {args.epochs_fraction}: must be in (0, 1]")
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: must be at least 1")

    chosen = [e for e in EXPERIMENTS if not args.only or e.name in args.only]
    header = ["experiment", "backend", "epochs", "plain fit() loop s", "project loop s", "ratio",
              "project loop, whole process s", "figures"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    print(f"# {platform.node()}: {platform.processor() or platform.machine()}, python {platform.python_version()}"
          + (f"; project loop: median of {args.repeats} runs" if args.repeats > 1 else ""))
    print(lines[0])
    print(lines[1])
    medians: dict[tuple[str, str], dict[str, float]] = {}
    for experiment in chosen:
        epochs = max(1, round(experiment.epochs * args.epochs_fraction))
        argv = [*experiment.argv, "--epochs", str(epochs)]
        rounds = timed_rounds(experiment.script, argv, args.seed, args.repeats)
        for backend, runs in rounds.items():
            fast = runs[0]
            median = medians[experiment.name, backend] = {
                key: statistics.median(run[key] for run in runs) for key in ("train_seconds", "process_seconds")}
            plain_seconds, ratio, figures = "-", "-", "-"
            if backend == JAX_WARM:
                figures = "first run's: " + compare(rounds["jax"][0]["metrics"], fast["metrics"])
            elif experiment.stateful and backend == "jax" and not args.skip_plain:
                figures = "no plain loop: fit drops the state"
            elif experiment.stateful and backend == "torch" and not args.skip_plain:
                figures = "no plain loop: fit fails on a stateful LSTM"
            elif not args.skip_plain:
                with tempfile.TemporaryDirectory() as own_cache:
                    plain = run_script(experiment.script, argv, args.seed, loop="plain", backend=backend,
                                       env=jax_cache_env(own_cache))
                plain_seconds = f"{plain['train_seconds']:.1f}"
                ratio = f"{plain['train_seconds'] / median['train_seconds']:.1f}x"
                figures = compare(plain["metrics"], fast["metrics"])
            repeated = [compare(fast["metrics"], run["metrics"]) for run in runs[1:]]
            if any(outcome != "same" for outcome in repeated):
                figures += "; NOT the same run after run: " + "; ".join(repeated)
            row = [experiment.name, backend, str(epochs), plain_seconds, f"{median['train_seconds']:.1f}", ratio,
                   f"{median['process_seconds']:.1f}", figures]
            lines.append("| " + " | ".join(row) + " |")
            print(lines[-1], flush=True)
    others = [backend for backend in (*BACKENDS, JAX_WARM) if backend != "tensorflow"]
    lines += ["", "Each backend against TensorFlow, the project's loop, training and whole process (above 1: "
              "faster than TensorFlow):", "",
              "| experiment | " + " | ".join(f"{backend}: training | {backend}: whole process" for backend in others)
              + " |", "|---|" + "---|---|" * len(others)]
    for experiment in chosen:
        tf_run = medians[experiment.name, "tensorflow"]
        ratios = [tf_run[key] / medians[experiment.name, backend][key]
                  for backend in others for key in ("train_seconds", "process_seconds")]
        lines.append(f"| {experiment.name} | " + " | ".join(f"{ratio:.2f}x" for ratio in ratios) + " |")
    print("\n".join(lines[-len(chosen) - 4:]))
    if args.markdown:
        commands = ", ".join(f"`{command_line(e.script, e.argv)}`" for e in chosen)
        args.markdown.write_text("\n".join(lines) + f"\n\nScripts: {commands}; seed {args.seed}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
