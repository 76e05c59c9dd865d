"""The run every script shares: seed, build the model, train it (or load one), evaluate, write.

A script supplies what is its own, in its tutorial's order: the data, the model its flags
describe, the training schedule and the evaluation. This module does the rest the same way for
all seven, so that `--load`, `--save`, `--json`, timing and the report behave alike everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import keras

from common import session
from common.training import History


@dataclass
class Trained:
    """A model ready to evaluate; `history` and `seconds` are None when it was loaded."""

    model: keras.Model
    history: History | None
    seconds: float | None


def train_or_load(script: str, build: Callable[[], keras.Model], train: Callable[[keras.Model], History],
                  load: Path | None, summary: bool) -> Trained:
    """Load the model saved at `load`, of the shapes `build` describes, or build and train one, timed.

    `summary`: print the model's summary before training.
    """
    model = build()
    if load is not None:
        return Trained(session.load_model(load, script, like=model), None, None)
    if summary:
        model.summary()
    started = time.perf_counter()
    history = train(model)
    return Trained(model, history, time.perf_counter() - started)


def training_report(trained: Trained) -> dict[str, Any]:
    """Print how long training took; return the same figures for `--json` (none when loaded)."""
    if trained.history is None or trained.seconds is None:
        return {}
    epochs = len(trained.history.loss)
    print(f"Trained {epochs} epochs in {trained.seconds:.1f} s ({trained.seconds / epochs:.3f} s/epoch), "
          f"final loss {trained.history.loss[-1]:.4f}")
    return {"epochs_run": epochs, "final_loss": trained.history.loss[-1]}


Pictures = Callable[[keras.Model, dict[str, Any]], dict[Path, Callable[[Path], None]]]
"""A script's own figures from the trained model and its metrics: target path -> draw(path)."""


def run(args: Any, script: str, build: Callable[[], keras.Model], train: Callable[[keras.Model], History],
        evaluate: Callable[[keras.Model], dict[str, Any]], config: dict[str, Any] | None = None,
        pictures: Pictures | None = None) -> int:
    """One experiment end to end; `evaluate` prints the tutorial's table and returns the metrics."""
    session.seed_everything(args.seed)
    trained = train_or_load(script, build, train, args.load, summary=not args.quiet)
    metrics = evaluate(trained.model)
    metrics.update(training_report(trained))
    session.write_outputs(args, script, config or session.config_of(args), trained.seconds, metrics,
                          trained.history, trained.model,
                          pictures(trained.model, metrics) if pictures else None)
    return 0
