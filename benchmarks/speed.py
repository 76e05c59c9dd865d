"""Training time of each experiment: the tutorials' loop against the project's, side by side.

Each experiment trains twice with the same seed and data: once with `--loop plain` (one
`model.fit` call per epoch, per sequence for the stateful ones, as the tutorials do) and once with
`--loop fast` (the project's compiled loop, same weight updates). It prints both training times,
their ratio, and whether both runs reached the same figures. Never run two trainings at once:
the ratio is only meaningful on an otherwise idle machine.

    python3 benchmarks/speed.py                      # the tutorials' settings
    python3 benchmarks/speed.py --epochs-fraction 0.1 --only echo_full memory_demo
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import command_line, run_script  # noqa: E402


@dataclass(frozen=True)
class Experiment:
    name: str
    script: str
    epochs: int
    target: float
    argv: list[str] = field(default_factory=list)


EXPERIMENTS = [
    Experiment("addition_mapping", "addition_mapping.py", 100, 10),
    Experiment("addition_mlp", "addition_mlp.py", 50, 3),
    Experiment("addition_seq2seq", "addition_seq2seq.py", 30, 3),
    Experiment("echo_full", "echo_full.py", 500, 10),
    Experiment("echo_partial", "echo_partial.py", 5000, 10),
    Experiment("memory_demo", "memory_demo.py", 250, 10),
]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=[e.name for e in EXPERIMENTS],
                        help="run only these experiments")
    parser.add_argument("--epochs-fraction", type=float, default=1.0,
                        help="train this fraction of each tutorial's epochs (a quick look)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    if not 0 < args.epochs_fraction <= 1:
        parser.error(f"--epochs-fraction {args.epochs_fraction}: must be in (0, 1]")

    chosen = [e for e in EXPERIMENTS if not args.only or e.name in args.only]
    header = ["experiment", "epochs", "plain fit() loop s", "project loop s", "ratio", "target",
              "figures"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    print(f"# {platform.node()}: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(lines[0])
    print(lines[1])
    for experiment in chosen:
        epochs = max(1, round(experiment.epochs * args.epochs_fraction))
        argv = [*experiment.argv, "--epochs", str(epochs)]
        plain = run_script(experiment.script, argv, args.seed, loop="plain")
        fast = run_script(experiment.script, argv, args.seed, loop="fast")
        ratio = plain["train_seconds"] / fast["train_seconds"]
        row = [experiment.name, str(epochs), f"{plain['train_seconds']:.1f}",
               f"{fast['train_seconds']:.1f}", f"{ratio:.1f}x", f"{experiment.target:g}x",
               compare(plain["metrics"], fast["metrics"])]
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], flush=True)
    if args.markdown:
        commands = ", ".join(f"`{command_line(e.script, e.argv)}`" for e in chosen)
        args.markdown.write_text("\n".join(lines) + f"\n\nScripts: {commands}; seed {args.seed}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
