"""What the backends' compiled training loops share: which variables are state, what to unroll,
the stateless step of the loops that carry the state themselves."""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import keras
from keras import ops
from keras.src import backend as keras_backend

from common.checks import MisuseError

MAX_UNROLL_STEPS = 64
"""Recurrent layers of at most this many steps are traced unrolled: no loop nested in the loop."""
STEP_BY_STEP_ABOVE = 150
"""Recurrent steps above which the TensorFlow loop calls training steps one by one (docs/speed.md)."""


def recurrent_loop(step: Callable, inputs: Any, initial_states: list, **options: Any) -> tuple[Any, Any, list]:
    """Keras's own loop over time steps, the one its recurrent layers run (`keras.src.backend.rnn`,
    which Keras's public API does not export): `step(inputs_t, states) -> (output_t, new_states)`
    over `inputs` (batch, steps, ...); returns the last output, every output, the final states.

    Beside `keras.ops.scan` it unrolls (`unroll=True`) and goes backwards as the layers do, and on
    TensorFlow it carries the states from step to step directly, where `scan` stores them at each step.
    """
    return keras_backend.rnn(step, inputs, initial_states, **options)


def stateful_variables(model: keras.Model) -> list[keras.Variable]:
    """The state variables of every stateful recurrent layer in `model`."""
    if not isinstance(model, keras.Model):
        raise MisuseError(f"model must be a keras.Model, got {type(model).__name__}")
    found = []
    for layer in model._flatten_layers(include_self=False):
        if getattr(layer, "stateful", False) and getattr(layer, "states", None) is not None:
            found.extend(layer.states)
    return found


def recurrent_steps(model: keras.Model) -> list[tuple[keras.layers.Layer, int]]:
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


def assign(variables: list[keras.Variable], values: list) -> None:
    """Write the values a stateless loop computed back into the model's variables."""
    for variable, value in zip(variables, values):
        variable.assign(value)


def batch_metric(metric: str | None, y: Any, y_pred: Any) -> Any:
    """The fraction of right outputs in one batch: argmax matches, or thresholded bits; else 0."""
    if metric == "categorical":
        hits = ops.equal(ops.argmax(y, axis=-1), ops.argmax(y_pred, axis=-1))
    elif metric == "binary":
        hits = ops.equal(y > 0.5, y_pred > 0.5)
    else:
        return ops.convert_to_tensor(0.0)
    return ops.mean(ops.cast(hits, "float32"))


class CompiledStepsBase:
    """One model's training steps, compiled once and reused: the parts every backend shares."""

    def __init__(self, model: keras.Model, metric: str | None):
        self._model = weakref.ref(model)  # cached per model: must not keep it alive
        self.metric = metric
        self.states = stateful_variables(model)
        recurrent = recurrent_steps(model)
        self.recurrent = [layer for layer, steps in recurrent if steps <= MAX_UNROLL_STEPS]
        self.longest = max((steps for _, steps in recurrent), default=0)

    @property
    def model(self) -> keras.Model:
        return self._model()

    def _forward(self, trainable: list, non_trainable: list, states: list, optimizer_variables: list,
                 x: Any, y: Any, training: bool) -> tuple[Any, Any, list, list]:
        """One call of the model (and its loss, given y) with every variable, state included, mapped:
        the stateless step of the JAX and PyTorch loops, which carry the state themselves."""
        model = self.model
        mapping = [*zip(model.trainable_variables, trainable), *zip(model.non_trainable_variables, non_trainable),
                   *zip(self.states, states), *zip(model.optimizer.variables, optimizer_variables)]
        loss = None
        with keras.StatelessScope(state_mapping=mapping) as scope:
            y_pred = model(x, training=training)
            if y is not None:
                loss = model.optimizer.scale_loss(model.compute_loss(x=x, y=y, y_pred=y_pred, training=training))
        return (y_pred, loss, [scope.get_current_value(v) for v in model.non_trainable_variables],
                [scope.get_current_value(v) for v in self.states])

    @contextmanager
    def unrolled(self) -> Iterator[None]:
        """Trace short recurrent layers unrolled: the same arithmetic without a nested loop."""
        saved = [layer.unroll for layer in self.recurrent]
        for layer in self.recurrent:
            layer.unroll = True
        try:
            yield
        finally:
            for layer, unroll in zip(self.recurrent, saved):
                layer.unroll = unroll
