"""The tutorials' training schedules, run without one `model.fit` call per epoch.

The 2017 tutorials call `fit` once per epoch (and once per sequence for the stateful ones), then
`reset_states()`. On Keras 3 each `fit` call costs tens of milliseconds of set-up, which is most of
their run time. `train` performs exactly the same weight updates, in the same order, on the same
data, with the same state resets, but runs whole runs of steps inside one compiled TensorFlow
loop. `train_plain` is the tutorials' own way, kept so that benchmarks and tests can show both
compute the same weights.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import keras
import numpy as np
import tensorflow as tf

from common.checks import require_positive_int

EpochSource = Callable[[], tuple[np.ndarray, np.ndarray]]
"""Called once per tutorial epoch; returns that epoch's fresh (x, y) samples in training order."""

METRICS = (None, "categorical", "binary")
LOOPS = ("fast", "plain")
STEPS_PER_CALL = 4096
BYTES_PER_CALL = 256 * 2**20
MAX_UNROLL_STEPS = 64
STEP_BY_STEP_ABOVE = 150
"""Recurrent steps above which training steps are called one by one: measured with memory_demo
--long-lag, a graph loop of training steps and one call a step cost the same at 151 steps; at
301 one call a step took 47 ms an epoch against 73 ms, at 1001 0.21 s against 1.3 s."""


@dataclass
class History:
    """Per-epoch means over the epoch's batches, as Keras reports them."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        curves = {"loss": self.loss}
        if self.accuracy:
            curves["accuracy"] = self.accuracy
        return curves


def stateful_variables(model: keras.Model) -> list[keras.Variable]:
    """The state variables of every stateful recurrent layer in `model`."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    found = []
    for layer in model._flatten_layers(include_self=False):
        if getattr(layer, "stateful", False) and getattr(layer, "states", None) is not None:
            found.extend(layer.states)
    return found


def reset_states(model: keras.Model) -> None:
    """Zero every stateful layer's state: Keras 2's `model.reset_states()`."""
    for variable in stateful_variables(model):
        variable.assign(tf.zeros_like(variable))


def _check_schedule(x: np.ndarray, batch_size: int, sequence_samples: int | None) -> None:
    require_positive_int("batch_size", batch_size)
    if len(x) == 0 or len(x) % batch_size:
        raise ValueError(
            f"an epoch has {len(x)} samples; it must be a positive multiple of batch_size={batch_size}"
        )
    if sequence_samples is not None:
        require_positive_int("sequence_samples", sequence_samples)
        if sequence_samples % batch_size or len(x) % sequence_samples:
            raise ValueError(
                f"sequence_samples={sequence_samples} must be a multiple of batch_size={batch_size} "
                f"and divide the {len(x)} samples of an epoch"
            )


def _batch_metric(metric: str | None, y: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    if metric == "categorical":
        hits = tf.equal(tf.argmax(y, axis=-1), tf.argmax(y_pred, axis=-1))
    elif metric == "binary":
        hits = tf.equal(y > 0.5, y_pred > 0.5)
    else:
        return tf.constant(0.0)
    return tf.reduce_mean(tf.cast(hits, tf.float32))


def _recurrent_steps(model: keras.Model) -> list[tuple[keras.layers.Layer, int]]:
    """Each recurrent layer of `model` whose number of time steps is known, with that number."""
    found = []
    for layer in model._flatten_layers(include_self=False):
        if not isinstance(layer, keras.layers.RNN):
            continue
        try:
            steps = layer.input.shape[1]
        except (AttributeError, ValueError):
            continue
        if steps is not None:
            found.append((layer, steps))
    return found


@contextmanager
def _unrolled(recurrent: list[keras.layers.Layer]) -> Iterator[None]:
    """Trace short recurrent layers unrolled: the same arithmetic without a nested graph loop."""
    saved = [layer.unroll for layer in recurrent]
    for layer in recurrent:
        layer.unroll = True
    try:
        yield
    finally:
        for layer, unroll in zip(recurrent, saved):
            layer.unroll = unroll


class _CompiledSteps:
    """One traced TensorFlow loop over many training steps of one model."""

    def __init__(self, model: keras.Model, metric: str | None):
        self._model = weakref.ref(model)  # cached per model: must not keep it alive
        self.metric = metric
        self.states = stateful_variables(model)
        recurrent = _recurrent_steps(model)
        self.recurrent = [layer for layer, steps in recurrent if steps <= MAX_UNROLL_STEPS]
        # A graph loop of training steps around a long recurrent layer's own graph loop runs
        # several times slower than the same steps called one by one, and such steps take long
        # enough that a Python call each costs little (see STEP_BY_STEP_ABOVE).
        self.step_by_step = any(steps > STEP_BY_STEP_ABOVE for _, steps in recurrent)
        self._run_graph = tf.function(self._run, reduce_retracing=True)
        self._one_step_graph = tf.function(self._one_step, reduce_retracing=True)
        self._predict_graph = tf.function(self._predict, reduce_retracing=True)
        self._predict_one_graph = tf.function(self._predict_one, reduce_retracing=True)

    @property
    def model(self) -> keras.Model:
        return self._model()

    def run(self, xs: tf.Tensor, ys: tf.Tensor, keep_state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with _unrolled(self.recurrent):
            if not self.step_by_step:
                return self._run_graph(xs, ys, keep_state)
            losses, scores = zip(*(self._one_step_graph(xs[i], ys[i], keep_state[i]) for i in range(len(xs))))
            return tf.stack(losses), tf.stack(scores)

    def predict(self, xs: tf.Tensor, keep_state: tf.Tensor) -> tf.Tensor:
        with _unrolled(self.recurrent):
            if not self.step_by_step:
                return self._predict_graph(xs, keep_state)
            return tf.stack([self._predict_one_graph(xs[i], keep_state[i]) for i in range(len(xs))])

    @tf.autograph.experimental.do_not_convert
    def _one_step(self, x: tf.Tensor, y: tf.Tensor, keep_state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        for state in self.states:
            state.assign(state * tf.cast(keep_state, state.dtype))
        loss, score = self._step(x, y)
        return tf.cast(loss, tf.float32), score

    @tf.autograph.experimental.do_not_convert
    def _predict_one(self, x: tf.Tensor, keep_state: tf.Tensor) -> tf.Tensor:
        for state in self.states:
            state.assign(state * tf.cast(keep_state, state.dtype))
        return self.model(x, training=False)

    @tf.autograph.experimental.do_not_convert
    def _step(self, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        model = self.model
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
            scaled = model.optimizer.scale_loss(loss)
        weights = model.trainable_weights
        gradients = tape.gradient(scaled, weights)
        model.optimizer.apply_gradients(zip(gradients, weights))
        return loss, _batch_metric(self.metric, y, y_pred)

    @tf.autograph.experimental.do_not_convert
    def _run(self, xs: tf.Tensor, ys: tf.Tensor, keep_state: tf.Tensor):
        n_steps = tf.shape(xs)[0]
        losses = tf.TensorArray(tf.float32, size=n_steps)
        scores = tf.TensorArray(tf.float32, size=n_steps)

        def body(i, losses, scores):
            loss, score = self._one_step(xs[i], ys[i], keep_state[i])
            return i + 1, losses.write(i, loss), scores.write(i, score)

        _, losses, scores = tf.while_loop(
            lambda i, *_: i < n_steps, body, (tf.constant(0), losses, scores), parallel_iterations=1
        )
        return losses.stack(), scores.stack()

    @tf.autograph.experimental.do_not_convert
    def _predict(self, xs: tf.Tensor, keep_state: tf.Tensor):
        n_steps = tf.shape(xs)[0]
        outputs = tf.TensorArray(self.model.outputs[0].dtype, size=n_steps)

        def body(i, outputs):
            return i + 1, outputs.write(i, self._predict_one(xs[i], keep_state[i]))

        _, outputs = tf.while_loop(
            lambda i, _: i < n_steps, body, (tf.constant(0), outputs), parallel_iterations=1
        )
        return outputs.stack()


_COMPILED: "weakref.WeakKeyDictionary[keras.Model, dict[str | None, _CompiledSteps]]" = (
    weakref.WeakKeyDictionary()
)


def _compiled_for(model: keras.Model, metric: str | None) -> _CompiledSteps:
    """One traced loop per model and metric, reused across calls instead of retraced."""
    per_model = _COMPILED.setdefault(model, {})
    if metric not in per_model:
        per_model[metric] = _CompiledSteps(model, metric)
    return per_model[metric]


def _build_for_loop(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    """Create the optimizer's and the loss's variables eagerly, before the loop is traced."""
    if model.optimizer is None:
        raise ValueError("model must be compiled before training")
    model.optimizer.build(model.trainable_variables)
    xb, yb = x[:batch_size], y[:batch_size]
    model.compute_loss(x=xb, y=yb, y_pred=model(xb, training=False), training=False)
    reset_states(model)


def train(
    model: keras.Model,
    next_epoch: EpochSource,
    epochs: int,
    batch_size: int,
    sequence_samples: int | None = None,
    metric: str | None = None,
    progress: bool = True,
    loop: str = "fast",
) -> History:
    """Run the tutorial's schedule: `epochs` x (fresh data, batches in order, resets).

    `sequence_samples`: the stateful tutorials fit one sequence at a time and reset the LSTM
    state after each; this many samples make one sequence (None: the whole epoch is one).
    `loop="plain"` runs the tutorials' own per-epoch `fit` loop instead, for comparison.
    """
    require_positive_int("epochs", epochs)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if loop not in LOOPS:
        raise ValueError(f"loop must be one of {LOOPS}, got {loop!r}")
    if loop == "plain":
        return train_plain(model, next_epoch, epochs, batch_size, sequence_samples, progress)
    first_x, first_y = next_epoch()
    _check_schedule(first_x, batch_size, sequence_samples)
    samples_per_epoch = len(first_x)
    steps_per_epoch = samples_per_epoch // batch_size
    sequence_steps = (sequence_samples or samples_per_epoch) // batch_size
    epoch_bytes = first_x.nbytes + first_y.nbytes
    epochs_per_call = max(1, min(STEPS_PER_CALL // steps_per_epoch, BYTES_PER_CALL // epoch_bytes))
    keep_state = (np.arange(steps_per_epoch) % sequence_steps != 0).astype(np.float32)

    _build_for_loop(model, first_x, first_y, batch_size)
    compiled = _compiled_for(model, metric)
    bar = keras.utils.Progbar(epochs, unit_name="epoch") if progress else None
    history = History()
    pending = [(first_x, first_y)]
    done = 0
    while done < epochs:
        count = min(epochs_per_call, epochs - done)
        while len(pending) < count:
            x, y = next_epoch()
            if x.shape != first_x.shape or y.shape != first_y.shape:
                raise ValueError("every epoch must have the same shapes as the first")
            pending.append((x, y))
        xs = np.concatenate([x for x, _ in pending]).reshape((-1, batch_size) + first_x.shape[1:])
        ys = np.concatenate([y for _, y in pending]).reshape((-1, batch_size) + first_y.shape[1:])
        losses, scores = compiled.run(
            tf.constant(xs, dtype=_input_dtype(model)),
            tf.constant(ys, dtype=tf.float32),
            tf.constant(np.tile(keep_state, count)),
        )
        losses = losses.numpy().reshape(count, steps_per_epoch).mean(axis=1)
        history.loss.extend(float(v) for v in losses)
        if metric:
            scores = scores.numpy().reshape(count, steps_per_epoch).mean(axis=1)
            history.accuracy.extend(float(v) for v in scores)
        done += count
        pending = []
        if bar:
            bar.update(done, values=[("loss", float(losses[-1]))], finalize=done == epochs)
    reset_states(model)
    return history


def train_plain(
    model: keras.Model,
    next_epoch: EpochSource,
    epochs: int,
    batch_size: int,
    sequence_samples: int | None = None,
    progress: bool = False,
) -> History:
    """The tutorials' loop: one `fit` per epoch, or per sequence then `reset_states()`.

    Batches are fed in generation order (`shuffle=False`) so that it computes exactly what
    `train` computes; the data is freshly random each epoch either way.
    """
    require_positive_int("epochs", epochs)
    history = History()
    bar = keras.utils.Progbar(epochs, unit_name="epoch") if progress else None
    for epoch in range(epochs):
        x, y = next_epoch()
        _check_schedule(x, batch_size, sequence_samples)
        size = sequence_samples or len(x)
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
            if sequence_samples is not None:
                reset_states(model)
        history.loss.append(float(np.mean(losses)))
        if scores:
            history.accuracy.append(float(np.mean(scores)))
        if bar:
            bar.update(epoch + 1, values=[("loss", history.loss[-1])], finalize=epoch + 1 == epochs)
    return history


def predict(
    model: keras.Model, x: np.ndarray, batch_size: int, sequence_samples: int | None = None
) -> np.ndarray:
    """Predict in batches of `batch_size`, resetting stateful layers every `sequence_samples`."""
    _check_schedule(x, batch_size, sequence_samples)
    steps = len(x) // batch_size
    sequence_steps = (sequence_samples or len(x)) // batch_size
    keep_state = (np.arange(steps) % sequence_steps != 0).astype(np.float32)
    xs = x.reshape((steps, batch_size) + x.shape[1:])
    outputs = _compiled_for(model, None).predict(tf.constant(xs, dtype=_input_dtype(model)), tf.constant(keep_state))
    reset_states(model)
    return outputs.numpy().reshape((len(x),) + tuple(outputs.shape[2:]))


def _input_dtype(model: keras.Model) -> tf.DType:
    return tf.as_dtype(model.inputs[0].dtype) if model.inputs else tf.float32

