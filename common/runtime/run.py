"""What a script does around its experiment, the same way in all seven: `with Run(script, args) as run:`.

Every setting has been checked by then (`common/runtime/options/`); `--dry-run` stops the run here.
The script does its own work in its tutorial's order (data, model, training, evaluation) and tells
the run three things as it goes: the model it built (`run.loaded_or`, which returns the `--load`
model instead when there is one), the training history (`run.trained`), and the metrics it
measured (`run.finish`); it prints its own table and, with `summary_line`, the figures over the
whole evaluation set. The run seeds everything when it starts and prints the model's summary and
the training time; `run.finish` writes `--json`, `--plot`, `--tensorboard` and `--save` all or
nothing. Leaving the `with` block writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

import keras

from common import backends
from common.checks import MisuseError, require_int
from common.runtime import outputs
from common.training import History


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, numpy and the backend, and make the backend's ops deterministic.

    Python's `random` gets exactly `seed(seed)`, so `--seed 1` draws the tutorials' data.
    """
    require_int("seed", seed, minimum=0)
    backends.current().seed(seed)


def config_of(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings as JSON values (ranges as lists, paths as strings); `memory`, the estimate
    the options checked, is what the settings need rather than one of them."""
    config = {}
    for key, value in vars(args).items():
        if key == "memory":
            continue
        value = list(value) if isinstance(value, tuple) else value
        plain = value is None or isinstance(value, (int, float, bool, str, list))
        config[key] = value if plain else str(value)
    return config


def summary_line(metrics: dict[str, float], n_samples: int) -> str:
    """`Summary over all N evaluation samples: name=value, ...`: the figures a script measured, over
    every sample it evaluated (the tutorials print a few rows and let the reader generalise)."""
    require_int("n_samples", n_samples, minimum=1)
    if not metrics:
        raise MisuseError("metrics must not be empty")
    parts = [f"{name}={value:.6f}" if isinstance(value, float) else f"{name}={value}"
             for name, value in metrics.items()]
    return f"Summary over all {n_samples} evaluation samples: " + ", ".join(parts)


def dry_run_report(script: str, args: argparse.Namespace) -> str:
    """What `--dry-run` prints: every setting the run would use, defaults resolved, and the memory it
    would need against the limit it was checked against; so a learner sees the whole run before it
    costs anything."""
    lines = [f"{script}: every setting checked; --dry-run stops here: nothing built, trained or written",
             "settings:"]
    lines += [f"  {key}: {value}" for key, value in config_of(args).items() if key != "dry_run"]
    if getattr(args, "memory", None):
        lines.append(f"memory: {args.memory}")
    return "\n".join(lines)


def training_line(history: History) -> str:
    """How long training took and where the loss ended, as printed after training."""
    epochs = len(history.loss)
    return (f"Trained {epochs} epochs in {history.seconds:.1f} s ({history.seconds / epochs:.3f} s/epoch), "
            f"final loss {history.loss[-1]:.4f}")


class Run:
    """One experiment's run: seeding on entry, `--load` and the summary, the outputs in `finish`."""

    def __init__(self, script: str, args: argparse.Namespace) -> None:
        self.script = script
        self.args = args
        self.history: History | None = None
        self.train_seconds = 0.0

    def __enter__(self) -> "Run":
        if self.args.dry_run:
            print(dry_run_report(self.script, self.args))
            raise SystemExit(0)
        seed_everything(self.args.seed)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @property
    def training(self) -> bool:
        """Whether this run trains its model (it does unless `--load` gave one)."""
        return self.args.load is None

    def loaded_or(self, built: keras.Model, summary: bool = True) -> keras.Model:
        """The model to train and evaluate: `built`, or the `--load` model of the same shapes.

        The summary of a model about to be trained is printed unless `--quiet` (or `summary`
        is False: a run that trains several prints the first only).
        """
        if not self.training:
            return outputs.load_model(self.args.load, self.script, like=built)
        if summary and not self.args.quiet:
            built.summary()
        return built

    def trained(self, history: History) -> None:
        """Keep the training history for the outputs, and say how training went.

        A run that trains several models (memory_demo.py's --trials) tells it each history: the
        outputs keep the first's curves and the sum of their training times.
        """
        if self.history is None:
            self.history = history
        self.train_seconds += history.seconds
        print(training_line(history))

    def finish(self, metrics: dict[str, Any], model: keras.Model,
               pictures: dict[Path, Callable[[Path], None]] | None = None) -> None:
        """Write every output asked for, all or nothing: the metrics with the training figures
        (`--json`), the curves, the model, and a script's own `pictures` (path -> draw(path))."""
        train_seconds = None
        if self.history is not None:
            metrics.update(epochs_run=len(self.history.loss), final_loss=self.history.loss[-1])
            train_seconds = self.train_seconds
        outputs.write_outputs(self.args, self.script, config_of(self.args), train_seconds, metrics,
                              self.history, model, pictures)
