"""TensorFlow: the fast loop as one `tf.function` with a `tf.while_loop` over training steps."""

from __future__ import annotations

import weakref
from contextlib import AbstractContextManager
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from common.backends import STRATEGIES
from common.backends.base import STEP_BY_STEP_ABOVE, CompiledStepsBase, batch_metric
from common.checks import MisuseError

FIT_REFUSAL = None
INPUT_FIRST_ABOVE = STEP_BY_STEP_ABOVE
"""Where training steps are called one by one: inside the graph loop of training steps, at lag 100,
it trained slower than Keras's LSTM (docs/speed.md)."""

# Each new model (memory_demo --trials N builds one per seed) is traced once, as it must be;
# TensorFlow would warn about "frequent retracing" of the loop's function from the fifth on.
tf.get_logger().setLevel("ERROR")


def seed(value: int) -> None:
    """Python's `random`, numpy and TensorFlow seeded, and TensorFlow's ops made deterministic."""
    keras.utils.set_random_seed(value)
    tf.config.experimental.enable_op_determinism()


class CompiledSteps(CompiledStepsBase):
    """Many training steps of one model in one traced TensorFlow loop.

    Over recurrent layers longer than STEP_BY_STEP_ABOVE steps the loop calls one traced step at
    a time instead: a graph loop of training steps around the layer's own graph loop runs several
    times slower, and such steps are long enough that a Python call each costs little.
    """

    def __init__(self, model: keras.Model, metric: str | None):
        super().__init__(model, metric)
        self.step_by_step = self.longest > STEP_BY_STEP_ABOVE
        self._input_dtype = tf.as_dtype(model.inputs[0].dtype) if model.inputs else tf.float32
        self._run_graph = tf.function(self._run, reduce_retracing=True)
        self._one_step_graph = tf.function(self._one_step, reduce_retracing=True)
        self._predict_graph = tf.function(self._predict, reduce_retracing=True)
        self._predict_one_graph = tf.function(self._predict_one, reduce_retracing=True)

    def run(self, xs: np.ndarray, ys: np.ndarray, batches: np.ndarray,
            keep_state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Train step i on batch j = batches[i], xs[j] and ys[j]; the state is zeroed before step i
        where keep_state[i] is 0."""
        xs, ys = tf.constant(xs, dtype=self._input_dtype), tf.constant(ys, dtype=tf.float32)
        keep_state = tf.constant(keep_state, dtype=tf.float32)
        with self.unrolled():
            if not self.step_by_step:
                losses, scores = self._run_graph(xs, ys, tf.constant(batches, dtype=tf.int32), keep_state)
            else:
                losses, scores = zip(*(self._one_step_graph(xs[j], ys[j], keep_state[i])
                                       for i, j in enumerate(batches)))
                losses, scores = tf.stack(losses), tf.stack(scores)
        return losses.numpy(), scores.numpy()

    def predict(self, xs: np.ndarray, keep_state: np.ndarray) -> np.ndarray:
        """The outputs for batches xs[i] in order, with the same state resets as `run`."""
        xs, keep_state = tf.constant(xs, dtype=self._input_dtype), tf.constant(keep_state, dtype=tf.float32)
        with self.unrolled():
            if not self.step_by_step:
                return self._predict_graph(xs, keep_state).numpy()
            return tf.stack([self._predict_one_graph(xs[i], keep_state[i]) for i in range(len(xs))]).numpy()

    @tf.autograph.experimental.do_not_convert
    def _one_step(self, x: tf.Tensor, y: tf.Tensor, keep_state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        for state in self.states:
            state.assign(state * tf.cast(keep_state, state.dtype))
        model = self.model
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
            scaled = model.optimizer.scale_loss(loss)
        weights = model.trainable_weights
        gradients = tape.gradient(scaled, weights)
        model.optimizer.apply_gradients(zip(gradients, weights))
        return tf.cast(loss, tf.float32), batch_metric(self.metric, y, y_pred)

    @tf.autograph.experimental.do_not_convert
    def _predict_one(self, x: tf.Tensor, keep_state: tf.Tensor) -> tf.Tensor:
        for state in self.states:
            state.assign(state * tf.cast(keep_state, state.dtype))
        return self.model(x, training=False)

    @tf.autograph.experimental.do_not_convert
    def _run(self, xs: tf.Tensor, ys: tf.Tensor, batches: tf.Tensor,
             keep_state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        n_steps = tf.shape(batches)[0]
        losses = tf.TensorArray(tf.float32, size=n_steps)
        scores = tf.TensorArray(tf.float32, size=n_steps)

        def body(i, losses, scores):
            loss, score = self._one_step(xs[batches[i]], ys[batches[i]], keep_state[i])
            return i + 1, losses.write(i, loss), scores.write(i, score)

        _, losses, scores = tf.while_loop(
            lambda i, *_: i < n_steps, body, (tf.constant(0), losses, scores), parallel_iterations=1
        )
        return losses.stack(), scores.stack()

    @tf.autograph.experimental.do_not_convert
    def _predict(self, xs: tf.Tensor, keep_state: tf.Tensor) -> tf.Tensor:
        n_steps = tf.shape(xs)[0]
        outputs = tf.TensorArray(self.model.outputs[0].dtype, size=n_steps)

        def body(i, outputs):
            return i + 1, outputs.write(i, self._predict_one(xs[i], keep_state[i]))

        _, outputs = tf.while_loop(
            lambda i, _: i < n_steps, body, (tf.constant(0), outputs), parallel_iterations=1
        )
        return outputs.stack()


def compiled_inference(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """`model(x, training=False)` as one traced graph: an eager call steps a recurrent loop in Python."""
    owner = weakref.ref(model)  # callers cache this per model: it must not keep the model alive
    forward = tf.function(lambda x: owner()(x, training=False), reduce_retracing=True)
    return lambda x: forward(tf.constant(x)).numpy()


def distribution(name: str) -> AbstractContextManager:
    """The scope to build and train under: `tf.distribute.MirroredStrategy` for `mirrored`.

    With no GPU it mirrors over the logical CPU devices, so it can be tried on a CPU split with
    `tf.config.set_logical_device_configuration`.
    """
    if name == "default":
        return tf.distribute.get_strategy().scope()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices]).scope()
    raise MisuseError(f"strategy must be one of {STRATEGIES}, got {name!r}")


def replicas(name: str) -> int:
    """How many replicas `distribution(name)` trains on."""
    with distribution(name):
        return tf.distribute.get_strategy().num_replicas_in_sync
