"""The tutorials' training schedule, and the same weight updates in one compiled call.

A tutorial trains like this (`tutorial_loop` below): each epoch, draw fresh data; call `model.fit`
on it; for the stateful tutorials, fit one sequence at a time, its batches in order, and call
`model.reset_states()` after each, so that one sequence's memory does not leak into the next. The
stateless tutorials let `fit` shuffle each epoch's samples; `tutorial_loop` takes them in the order
drawn, so that the two loops below can be compared update for update.

On Keras 3 each `fit` call costs tens of milliseconds of set-up, most of a tutorial's run time.
`train` makes exactly `tutorial_loop`'s updates, in the same order, on the same data, with the same resets,
but runs up to a thousand steps inside one compiled call of the backend (`common/backends/`): the
epochs' batches are stacked into one array, and beside them goes one number per batch, 1 to carry
the LSTM state into the batch, 0 to start it from zeros, which is what `reset_states()` does. When
every epoch of a call holds the same data (the memory demo's two fixed sequences), that epoch goes
in once and each step says which of its batches it trains on. A test checks, on each backend, that
both loops compute the same weights.
"""

from __future__ import annotations

import itertools
import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import keras
import numpy as np
from keras import ops

from common import backends
from common.backends.base import stateful_variables
from common.checks import MisuseError, require_positive_int
from common.progress import Progress

EpochSource = Callable[[], tuple[np.ndarray, np.ndarray]]
"""Called once per tutorial epoch; returns that epoch's fresh (x, y) samples in training order."""

METRICS = (None, "categorical", "binary")
LOOPS = ("fast", "plain")
STEPS_PER_CALL = 1024
"""Few enough that drawing each call's epochs mostly overlaps the call before it, many enough that a
call's own fixed cost is small beside its steps."""
BYTES_PER_CALL = 256 * 2**20


@dataclass
class History:
    """Per-epoch means over the epoch's batches, as Keras reports them, and the training's wall time."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    accuracy_label: str = "accuracy"
    """What the accuracy counts, as `--plot` labels it: Keras's counts each output position right
    (a character, a bit), which is not the same as a whole answer right."""

    def as_dict(self) -> dict[str, list[float]]:
        curves = {"loss": self.loss}
        if self.accuracy:
            curves["accuracy"] = self.accuracy
        return curves


def reset_states(model: keras.Model) -> None:
    """Zero every stateful layer's state: Keras 2's `model.reset_states()`."""
    for variable in stateful_variables(model):
        variable.assign(ops.zeros(variable.shape, variable.dtype))


def _check_schedule(x: np.ndarray, batch_size: int, reset_after: int | None) -> None:
    require_positive_int("batch_size", batch_size)
    if len(x) == 0 or len(x) % batch_size:
        raise MisuseError(
            f"an epoch has {len(x)} samples; it must be a positive multiple of batch_size={batch_size}"
        )
    if reset_after is not None:
        require_positive_int("reset_after", reset_after)
        if reset_after % batch_size or len(x) % reset_after:
            raise MisuseError(
                f"reset_after={reset_after} must be a multiple of batch_size={batch_size} "
                f"and divide the {len(x)} samples of an epoch"
            )


def tutorial_loop(
    model: keras.Model,
    next_epoch: EpochSource,
    epochs: int,
    batch_size: int,
    reset_after: int | None = None,
    progress: bool = False,
) -> History:
    """The tutorials' loop: one `fit` per epoch, or per sequence then `reset_states()`.

    Batches are fed in generation order (`shuffle=False`) so that it computes exactly what
    `train` computes; the data is freshly random each epoch either way.
    """
    started = time.perf_counter()
    require_positive_int("epochs", epochs)
    backend = backends.current()
    if stateful_variables(model) and backend.FIT_REFUSAL is not None:
        raise MisuseError(f"--loop plain is not available for stateful models on {keras.backend.backend()}: "
                          f"{backend.FIT_REFUSAL} (use --loop fast)")
    history = History()
    shown = Progress(epochs) if progress else None
    for epoch in range(epochs):
        x, y = next_epoch()
        _check_schedule(x, batch_size, reset_after)
        size = reset_after or len(x)
        losses, scores = [], []
        for start in range(0, len(x), size):
            fitted = model.fit(
                x[start : start + size],
                y[start : start + size],
                epochs=1,
                batch_size=batch_size,
                shuffle=False,
                verbose=0,
            )
            losses.append(fitted.history["loss"][0])
            scores.extend(fitted.history.get("accuracy", []))
            if reset_after is not None:
                reset_states(model)
        history.loss.append(float(np.mean(losses)))
        if scores:
            history.accuracy.append(float(np.mean(scores)))
        if shown:
            shown.update(epoch + 1, history.loss[-1])
    history.seconds = time.perf_counter() - started
    return history


def train(
    model: keras.Model,
    next_epoch: EpochSource,
    epochs: int,
    batch_size: int,
    reset_after: int | None = None,
    metric: str | None = None,
    progress: bool = True,
    loop: str = "fast",
) -> History:
    """The tutorial's schedule, `epochs` x (fresh data from `next_epoch`, batches in order, resets),
    as `tutorial_loop` runs it, in a few compiled calls.

    `reset_after`: the stateful tutorials fit one sequence at a time and reset the LSTM state
    after each; this many samples make one sequence (None: the whole epoch is one).
    `metric`: also record the accuracy per epoch ("categorical" or "binary").
    `loop="plain"` runs `tutorial_loop` instead, for comparison.
    """
    started = time.perf_counter()
    require_positive_int("epochs", epochs)
    if metric not in METRICS:
        raise MisuseError(f"metric must be one of {METRICS}, got {metric!r}")
    if loop not in LOOPS:
        raise MisuseError(f"loop must be one of {LOOPS}, got {loop!r}")
    if loop == "plain":
        return tutorial_loop(model, next_epoch, epochs, batch_size, reset_after, progress)
    return _fast_loop(model, next_epoch, epochs, batch_size, reset_after, metric, progress, started)


# How the fast loop runs: one compiled program per model, fed many epochs at a time.

def _fast_loop(model: keras.Model, next_epoch: EpochSource, epochs: int, batch_size: int, reset_after: int | None,
               metric: str | None, progress: bool, started: float) -> History:
    """`tutorial_loop`'s updates, many epochs per compiled call (the module's docstring says how)."""
    first_x, first_y = next_epoch()
    _check_schedule(first_x, batch_size, reset_after)
    samples_per_epoch = len(first_x)
    steps_per_epoch = samples_per_epoch // batch_size
    per_call = epochs_per_call(epochs, steps_per_epoch, first_x.nbytes + first_y.nbytes)
    keep_state = state_kept(samples_per_epoch, batch_size, reset_after)

    _build_for_loop(model, first_x, first_y, batch_size)
    compiled = _compiled_for(model, metric)
    shown = Progress(epochs) if progress else None
    history = History()
    epochs_data = itertools.chain([(first_x, first_y)], iter(next_epoch, None))
    in_flight = None
    done = 0
    while done < epochs:
        count = min(per_call, epochs - done)
        # Drawn while the previous call trains: on JAX a call returns before its steps are done.
        xs, ys, batches = _call_data(epochs_data, count, batch_size, first_x, first_y)
        results = compiled.run(xs, ys, batches, np.tile(keep_state, count))
        if in_flight:
            _record(history, *in_flight, steps_per_epoch, metric, shown)
        done += count
        in_flight = (*results, done)
    _record(history, *in_flight, steps_per_epoch, metric, shown)
    reset_states(model)
    history.seconds = time.perf_counter() - started
    return history


_COMPILED: "weakref.WeakKeyDictionary[keras.Model, dict[str | None, Any]]" = weakref.WeakKeyDictionary()


def _compiled_for(model: keras.Model, metric: str | None) -> Any:
    """One compiled loop per model and metric, reused across calls instead of traced again."""
    per_model = _COMPILED.setdefault(model, {})
    if metric not in per_model:
        per_model[metric] = backends.current().CompiledSteps(model, metric)
    return per_model[metric]


def epochs_per_call(epochs: int, steps_per_epoch: int, epoch_bytes: int) -> int:
    """How many epochs' data `train` stacks into one compiled call: as many as fit STEPS_PER_CALL
    steps and BYTES_PER_CALL bytes (at least one), split into calls of equal size, because each
    new size is compiled anew (on JAX): 5000 epochs of one step run as 5 x 1000, not 4 x 1024 + 904."""
    most = max(1, min(STEPS_PER_CALL // max(1, steps_per_epoch), BYTES_PER_CALL // max(1, epoch_bytes)))
    return math.ceil(epochs / math.ceil(epochs / most))


def _build_for_loop(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    """Create the optimizer's variables and build the loss before the loop is traced.

    The model and its loss are called on symbolic tensors (shapes only): that builds what the
    first call builds without computing anything, which on JAX would compile every operation of
    the model one by one.
    """
    if model.optimizer is None:
        raise MisuseError("model must be compiled before training")
    model.optimizer.build(model.trainable_variables)
    xb = keras.KerasTensor((batch_size, *x.shape[1:]), str(x.dtype))
    yb = keras.KerasTensor((batch_size, *y.shape[1:]), "float32")  # the loop trains on float32 targets
    model.compute_loss(x=xb, y=yb, y_pred=model(xb, training=False), training=False)
    reset_states(model)


def _call_data(epochs_data: Iterator[tuple[np.ndarray, np.ndarray]], count: int, batch_size: int,
               first_x: np.ndarray, first_y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The next `count` epochs as batches (x in the first epoch's dtype, y as float32), and for each
    of the call's training steps the index of its batch.

    When every one of the `count` epochs holds the same data, that epoch is handed over once and
    its batches are trained `count` times in turn, instead of `count` copies of it (at the memory
    demo's long lags, copies of two long sequences). Otherwise the epochs are stacked in order.
    """
    xs = ys = None  # the stacked epochs, from the first that differs from the call's first epoch
    for i in range(count):
        x, y = next(epochs_data)
        if x.shape != first_x.shape or y.shape != first_y.shape:
            raise MisuseError("every epoch must have the same shapes as the first")
        if i == 0:
            call_first = (x, y)
        elif xs is None and not (np.array_equal(x, call_first[0]) and np.array_equal(y, call_first[1])):
            xs, ys = np.empty((count, *first_x.shape), first_x.dtype), np.empty((count, *first_y.shape), np.float32)
            xs[:i], ys[:i] = call_first  # the epochs before this one all held the call's first epoch's data
        if xs is not None:
            xs[i], ys[i] = x, y
    steps_per_epoch = len(first_x) // batch_size
    if xs is None:  # one epoch, its batches trained in turn `count` times
        # A copy: the call may still be reading it when the source hands out its next epoch.
        xs, ys = np.array(call_first[0], first_x.dtype), np.array(call_first[1], np.float32)
        batches = np.tile(np.arange(steps_per_epoch), count)
    else:
        batches = np.arange(count * steps_per_epoch)
    return (xs.reshape((-1, batch_size) + first_x.shape[1:]), ys.reshape((-1, batch_size) + first_y.shape[1:]),
            batches)


def _record(history: History, losses: Any, scores: Any, done: int, steps_per_epoch: int, metric: str | None,
            shown: Progress | None) -> None:
    """Add one call's per-epoch means to `history` (waiting for the call to finish) and show progress."""
    losses = np.asarray(losses).reshape(-1, steps_per_epoch).mean(axis=1)
    history.loss.extend(float(v) for v in losses)
    if metric:
        history.accuracy.extend(float(v) for v in np.asarray(scores).reshape(-1, steps_per_epoch).mean(axis=1))
    if shown:
        shown.update(done, float(losses[-1]))


def state_kept(samples: int, batch_size: int, reset_after: int | None) -> np.ndarray:
    """The resets of `samples` in batches of `batch_size`, one number per batch: 1 carries the LSTM
    state in from the batch before, 0 starts it from zeros, as `reset_states()` after the previous
    sequence (every `reset_after` samples; None: only before the first batch) did.

    Where a sequence is one batch, every number is 0: no state passes from batch to batch.
    """
    sequence_steps = (reset_after or samples) // batch_size
    return (np.arange(samples // batch_size) % sequence_steps != 0).astype(np.float32)


def predict(
    model: keras.Model, x: np.ndarray, batch_size: int, reset_after: int | None = None
) -> np.ndarray:
    """Predict in batches of `batch_size`, resetting stateful layers every `reset_after`."""
    _check_schedule(x, batch_size, reset_after)
    steps = len(x) // batch_size
    xs = x.reshape((steps, batch_size) + x.shape[1:])
    outputs = _compiled_for(model, None).predict(xs, state_kept(len(x), batch_size, reset_after))
    reset_states(model)
    return outputs.reshape((len(x),) + tuple(outputs.shape[2:]))

