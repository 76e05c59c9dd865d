"""What every run does around its experiment: seeding, and writing its results.

Each file is written to a temporary name beside its target and renamed into place, so that an
interrupted run never leaves a half-written result behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import keras

from common import backends
from common.checks import MisuseError, require_int
from common.plotting import plot_history
from common.training import History


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, numpy and the backend, and make the backend's ops deterministic.

    Python's `random` gets exactly `seed(seed)`, so `--seed 1` draws the tutorials' data.
    """
    require_int("seed", seed, minimum=0)
    backends.current().seed(seed)


def config_of(args: Any, **extra: Any) -> dict[str, Any]:
    """The run's settings as JSON values (paths as strings), plus any settings derived from them."""
    config = {}
    for key, value in vars(args).items():
        plain = value is None or isinstance(value, (int, float, bool, str, list))
        config[key] = value if plain else str(value)
    config.update(extra)
    return config


def _atomic_target(path: Path, suffix: str = "") -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(handle)
    return Path(name)


def write_json(path: Path, script: str, config: dict[str, Any], train_seconds: float | None,
               metrics: dict[str, Any]) -> None:
    """`{"script", "config", "train_seconds", "metrics"}`; config values must be JSON-able."""
    if not metrics:
        raise MisuseError("metrics must not be empty")
    document = {"script": script, "config": config, "train_seconds": train_seconds, "metrics": metrics}
    text = json.dumps(document, indent=2, default=str) + "\n"
    temporary = _atomic_target(Path(path))
    temporary.write_text(text)
    os.replace(temporary, path)


def write_plot(path: Path, history: History, title: str) -> None:
    """The training curves as a PNG."""
    temporary = _atomic_target(Path(path), suffix=".png")
    try:
        plot_history(history, temporary, title)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_tensorboard(directory: Path, history: History) -> None:
    """The same per-epoch curves as TensorBoard scalars, under `directory/train`.

    Written with TensorBoard's own event writer, which needs no TensorFlow, so on every backend;
    imported here because only `--tensorboard` needs it.
    """
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(Path(directory) / "train"))
    for name, values in history.as_dict().items():
        for epoch, value in enumerate(values):
            scalar = summary_pb2.Summary.Value(tag=f"epoch_{name}", simple_value=value)
            writer.add_event(event_pb2.Event(wall_time=time.time(), step=epoch,
                                             summary=summary_pb2.Summary(value=[scalar])))
    writer.close()


def load_model(path: Path) -> keras.Model:
    """A model saved with `--save`, by this backend or the other; anything else is refused.

    A `.keras` file is a zip archive: Keras calls any other file "not found", which is false.
    """
    if not zipfile.is_zipfile(path):
        raise MisuseError(f"--load {path}: not a Keras model file (a .keras file is a zip archive)")
    try:
        return keras.models.load_model(path)
    except (ValueError, OSError, KeyError) as error:  # a zip archive, but not a model Keras can read
        raise MisuseError(f"--load {path}: not a Keras model file this suite can read "
                          f"({str(error).splitlines()[0] if str(error) else type(error).__name__})") from None


def save_model(model: keras.Model, path: Path) -> None:
    """`model.save` to a `.keras` file, via a temporary name."""
    temporary = _atomic_target(Path(path), suffix=".keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_outputs(args: Any, script: str, config: dict[str, Any], train_seconds: float | None,
                  metrics: dict[str, Any], history: History | None, model: keras.Model) -> None:
    """Write whatever `--json`, `--plot`, `--tensorboard` and `--save` asked for."""
    if args.json is not None:
        write_json(args.json, script, config, train_seconds, metrics)
    if history is not None and history.loss:
        if args.plot is not None:
            write_plot(args.plot, history, script)
        if args.tensorboard is not None:
            write_tensorboard(args.tensorboard, history)
    if args.save is not None:
        save_model(model, args.save)
