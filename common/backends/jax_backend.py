"""JAX: the fast loop as `jax.jit` of `lax.scan` over Keras's stateless training step.

Keras on JAX creates a stateful recurrent layer's state variables untracked, so the compiled
functions behind `fit`, `train_on_batch` and `predict_on_batch` never see them: each batch starts
from the state the variables held when the function was traced (zeros), and the new state is
dropped. Eager calls carry it. The loop here maps the state variables into the same
`keras.StatelessScope` as the weights, hands the new state from step to step inside the scan,
and writes it back into the layers after each call, as TensorFlow's `fit` does.
"""

from __future__ import annotations

import contextlib
import weakref
from contextlib import AbstractContextManager
from typing import Any, Callable

import jax
import jax.numpy as jnp
import keras
import numpy as np

from common.backends import STRATEGIES
from common.backends.base import CompiledStepsBase, assign, batch_metric
from common.checks import MisuseError

FIT_REFUSAL = "Keras's fit there does not carry the LSTM state between batches"
INPUT_FIRST_ABOVE = 0
"""The memory demo's input-first LSTM at every length: faster on JAX at each long lag timed
(docs/speed.md); the short sequences were not timed apart."""


def seed(value: int) -> None:
    """Python's `random`, numpy and Keras's own generator seeded (no TensorFlow: see `prepare`).

    XLA on the CPU computes the same numbers run after run: there is nothing to switch on.
    """
    keras.utils.set_random_seed(value)


class CompiledSteps(CompiledStepsBase):
    """Many training steps of one model in one compiled call, the state carried from step to step."""

    step_by_step = False

    def __init__(self, model: keras.Model, metric: str | None):
        super().__init__(model, metric)
        self._train = jax.jit(self._train_scan)
        self._predict = jax.jit(self._predict_scan)

    def run(self, xs: np.ndarray, ys: np.ndarray, batches: np.ndarray,
            keep_state: np.ndarray) -> tuple[jax.Array, jax.Array]:
        """Train step i on batch j = batches[i], xs[j] and ys[j]; the state is zeroed before step i
        where keep_state[i] is 0.

        Returns each step's loss and score as soon as the steps are queued, not when they are done
        (JAX dispatches asynchronously): `np.asarray` of them waits.
        """
        model = self.model
        carry = tuple(_values(group) for group in (model.trainable_variables, model.non_trainable_variables,
                                                   self.states, model.optimizer.variables))
        with self.unrolled():
            carry, (losses, scores) = self._train(carry, xs, ys, batches.astype(np.int32),
                                                  keep_state.astype(np.float32))
        for group, values in zip((model.trainable_variables, model.non_trainable_variables, self.states,
                                  model.optimizer.variables), carry):
            assign(group, values)
        return losses, scores

    def predict(self, xs: np.ndarray, keep_state: np.ndarray) -> np.ndarray:
        """The outputs for batches xs[i] in order, with the same state resets as `run`."""
        model = self.model
        weights = (_values(model.trainable_variables), _values(model.non_trainable_variables))
        with self.unrolled():
            states, outputs = self._predict(weights, _values(self.states), xs, keep_state.astype(np.float32))
        assign(self.states, states)
        return np.asarray(outputs)

    def _train_step(self, carry: tuple, batch: tuple) -> tuple[tuple, tuple]:
        trainable, non_trainable, states, optimizer_variables = carry
        x, y, keep = batch
        states = [state * keep.astype(state.dtype) for state in states]

        def loss_of(weights):
            y_pred, loss, new_non_trainable, new_states = self._forward(
                weights, non_trainable, states, optimizer_variables, x, y, training=True)
            return loss, (y_pred, new_non_trainable, new_states)

        (loss, (y_pred, non_trainable, states)), gradients = jax.value_and_grad(loss_of, has_aux=True)(trainable)
        trainable, optimizer_variables = self.model.optimizer.stateless_apply(
            optimizer_variables, gradients, trainable)
        score = batch_metric(self.metric, y, y_pred)
        return (trainable, non_trainable, states, optimizer_variables), (loss.astype(jnp.float32), score)

    def _train_scan(self, carry: tuple, xs: Any, ys: Any, batches: Any, keep_state: Any) -> tuple[tuple, tuple]:
        def step(carry: tuple, schedule: tuple) -> tuple[tuple, tuple]:
            batch, keep = schedule
            return self._train_step(carry, (xs[batch], ys[batch], keep))

        return jax.lax.scan(step, carry, (batches, keep_state))

    def _predict_scan(self, weights: tuple, states: list, xs: Any, keep_state: Any) -> tuple[list, Any]:
        trainable, non_trainable = weights
        optimizer_variables = _values(self.model.optimizer.variables) if self.model.optimizer else []

        def step(states, batch):
            x, keep = batch
            states = [state * keep.astype(state.dtype) for state in states]
            y_pred, _, _, states = self._forward(trainable, non_trainable, states, optimizer_variables,
                                                 x, None, training=False)
            return states, y_pred

        return jax.lax.scan(step, states, (xs, keep_state))


def _values(variables: list[keras.Variable]) -> list:
    return [variable.value for variable in variables]


def compiled_inference(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """`model(x, training=False)` as one jitted function of the current weights."""
    owner = weakref.ref(model)  # callers cache this per model: it must not keep the model alive

    def forward(trainable: list, non_trainable: list, x: Any) -> Any:
        return owner().stateless_call(trainable, non_trainable, x, training=False)[0]

    jitted = jax.jit(forward)
    return lambda x: np.asarray(jitted(_values(owner().trainable_variables),
                                       _values(owner().non_trainable_variables), x))


def _devices(name: str) -> list[str]:
    if name == "default":
        return []
    if name == "mirrored":
        return keras.distribution.list_devices()  # the accelerators if there are any, else the CPUs
    raise MisuseError(f"strategy must be one of {STRATEGIES}, got {name!r}")


def distribution(name: str) -> AbstractContextManager:
    """The scope to build and train under: `keras.distribution.DataParallel` for `mirrored`.

    With no GPU it replicates over the host's CPU devices, of which JAX makes several when
    XLA_FLAGS=--xla_force_host_platform_device_count=N is set before it starts.
    """
    devices = _devices(name)
    if not devices:
        return contextlib.nullcontext()
    return keras.distribution.DataParallel(devices=devices).scope()


def replicas(name: str) -> int:
    """How many replicas `distribution(name)` trains on."""
    return max(1, len(_devices(name)))
