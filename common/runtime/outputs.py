"""A run's results on disk, written all or nothing, and the models `--load` reads back.

Each file is written to a temporary name beside its target and renamed into place, so that an
interrupted run never leaves a half-written result behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable

import keras

from common.runtime import interrupts
from common.checks import MisuseError
from common.plotting import plot_history
from common.training import History

SCRIPT_ENTRY = "suite.json"
"""An entry added to each saved model's archive: which script saved it (Keras reads only its own)."""


class _Staging:
    """Temporary files beside their targets, each recorded the moment it exists, so that whatever
    stops the run (a signal, an error), none of them is left behind."""

    def __init__(self) -> None:
        self.moves: list[tuple[Path, Path]] = []
        self.directories: list[Path] = []

    def file(self, target: Path, suffix: str = ".tmp") -> Path:
        """A fresh file beside `target`, with the permissions of one opened the usual way."""
        with interrupts.held():
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
            self.moves.append((Path(name), target))
        os.close(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        return Path(name)

    def directory(self, near: Path) -> Path:
        """A fresh directory beside `near`, removed when the staging is done."""
        with interrupts.held():
            name = tempfile.mkdtemp(prefix=f".{near.name}.", dir=near.parent)
            self.directories.append(Path(name))
        return Path(name)

    def move_into_place(self) -> None:
        """Rename every staged file to its target, unless a signal was recorded (one some code caught
        and dropped included): nothing goes in place then. One that arrives meanwhile is raised
        after the last rename."""
        with interrupts.held():  # raises a recorded signal when done
            if interrupts.received() is not None:
                return
            for temporary, target in self.moves:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temporary, target)
            self.moves.clear()

    def discard(self) -> None:
        for temporary, _ in self.moves:
            temporary.unlink(missing_ok=True)
        for directory in self.directories:
            shutil.rmtree(directory, ignore_errors=True)


def _stage_json(staging: _Staging, path: Path, script: str, config: dict[str, Any], train_seconds: float | None,
                metrics: dict[str, Any]) -> None:
    if not metrics:
        raise MisuseError("metrics must not be empty")
    # The backend too: the same seed draws other initial weights on each, so other figures.
    document = {"script": script, "backend": keras.backend.backend(), "config": config,
                "train_seconds": train_seconds, "metrics": metrics}
    staging.file(path).write_text(json.dumps(document, indent=2, default=str) + "\n")


def _stage_plot(staging: _Staging, path: Path, history: History, title: str) -> None:
    plot_history(history, staging.file(path, suffix=".png"), title)


def _stage_tensorboard(staging: _Staging, directory: Path, history: History) -> None:
    """The per-epoch curves as TensorBoard scalars, to go under `directory/train`.

    Written with TensorBoard's own event writer, which needs no TensorFlow, so on every backend;
    imported here because only `--tensorboard` needs it.
    """
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(staging.directory(directory)))
    for name, values in history.as_dict().items():
        for epoch, value in enumerate(values):
            scalar = summary_pb2.Summary.Value(tag=f"epoch_{name}", simple_value=value)
            writer.add_event(event_pb2.Event(wall_time=time.time(), step=epoch,
                                             summary=summary_pb2.Summary(value=[scalar])))
    writer.close()
    event_file = Path(writer.get_logdir()) / os.listdir(writer.get_logdir())[0]
    staging.moves.append((event_file, directory / "train" / event_file.name))


def _stage_model(staging: _Staging, model: keras.Model, path: Path, script: str) -> None:
    staged = staging.file(path, suffix=".keras")
    model.save(staged)
    with zipfile.ZipFile(staged, "a") as archive:  # Keras reads only its own entries
        archive.writestr(SCRIPT_ENTRY, json.dumps({"script": script}))


def write_outputs(args: Any, script: str, config: dict[str, Any], train_seconds: float | None,
                  metrics: dict[str, Any], history: History | None, model: keras.Model,
                  pictures: dict[Path, Callable[[Path], None]] | None = None) -> None:
    """Write whatever `--json`, `--plot`, `--tensorboard` and `--save` asked for, all or nothing.

    `pictures`: a script's own figures, each target path with the function that draws a PNG to a
    given path. Each output is written under a temporary name beside its target first; only when
    all are written are they renamed into place, so an interrupted or failed run leaves no partial
    result behind.
    """
    staging = _Staging()
    try:
        with interrupts.discarded_if_stopped(staging.discard):
            _stage_all(staging, args, script, config, train_seconds, metrics, history, model, pictures)
            staging.move_into_place()
    finally:
        with interrupts.held():  # a signal raised again meanwhile waits until every file is gone
            staging.discard()


def _stage_all(staging: _Staging, args: Any, script: str, config: dict[str, Any], train_seconds: float | None,
               metrics: dict[str, Any], history: History | None, model: keras.Model,
               pictures: dict[Path, Callable[[Path], None]] | None) -> None:
    for path, draw in (pictures or {}).items():
        draw(staging.file(path, suffix=".png"))
    if args.json is not None:
        _stage_json(staging, args.json, script, config, train_seconds, metrics)
    if history is not None and history.loss:
        if args.plot is not None:
            _stage_plot(staging, args.plot, history, script)
        if args.tensorboard is not None:
            _stage_tensorboard(staging, args.tensorboard, history)
    if args.save is not None:
        _stage_model(staging, model, args.save, script)


def _shapes(model: keras.Model) -> tuple[list[tuple], list[tuple]]:
    """What a model reads and writes, batch dimension included (fixed for stateful models)."""
    return [tuple(t.shape) for t in model.inputs], [tuple(t.shape) for t in model.outputs]


def _saved_by(archive: zipfile.ZipFile) -> str | None:
    if SCRIPT_ENTRY not in archive.namelist():
        return None
    try:
        return str(json.loads(archive.read(SCRIPT_ENTRY))["script"])
    except (ValueError, KeyError, TypeError):
        return None


def load_model(path: Path, script: str, like: keras.Model) -> keras.Model:
    """A model saved with `--save` by `script` (on either backend), of the shapes of `like`.

    `like` is the model the run's flags describe: a saved model that reads or writes other shapes
    would fail deep inside Keras, so it is refused here with the shapes side by side. A `.keras`
    file is a zip archive: Keras calls any other file "not found", which is false.
    """
    if not zipfile.is_zipfile(path):
        raise MisuseError(f"--load {path}: not a Keras model file (a .keras file is a zip archive)")
    with zipfile.ZipFile(path) as archive:
        saved_by = _saved_by(archive)
    if saved_by not in (None, script):
        raise MisuseError(f"--load {path}: saved by {saved_by}, not {script}: load it with {saved_by}")
    try:
        with warnings.catch_warnings():
            # A model saved on JAX records jit_compile=True, which TensorFlow with deterministic ops
            # (the suite's seeding) cannot honour: Keras compiles without XLA, as it does for a model
            # saved on TensorFlow, and warns. Nothing differs, so the warning would only alarm.
            warnings.filterwarnings("ignore", message="Model doesn't support `jit_compile=True`")
            model = keras.models.load_model(path)
    except (ValueError, OSError, KeyError, TypeError) as error:  # a zip archive, not a model Keras reads
        raise MisuseError(f"--load {path}: not a Keras model file this suite can read "
                          f"({str(error).splitlines()[0] if str(error) else type(error).__name__})") from None
    (reads, writes), (needs_in, needs_out) = _shapes(model), _shapes(like)
    if (reads, writes) != (needs_in, needs_out):
        raise MisuseError(f"--load {path}: the model reads {_listed(reads)} and writes {_listed(writes)}, "
                          f"these flags need {_listed(needs_in)} and {_listed(needs_out)}: "
                          "pass the flags it was trained with")
    return model


def _listed(shapes: list[tuple]) -> str:
    return " and ".join(str(shape) for shape in shapes)
