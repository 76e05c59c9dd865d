"""PyTorch: the fast loop as a Python loop over Keras's stateless training step, torch autograd
taking the gradients.

Keras on PyTorch runs eagerly, so there is no compiled program to put many steps in; what the
loop saves is `fit`'s set-up per epoch. It does not use `torch.compile`: Keras's LSTM traced by it
takes wrong gradients of the recurrent kernel, and runs slower on the CPU.

Each step maps every variable (weights, non-trainable variables, the stateful layers' state, the
optimizer's variables) into a `keras.StatelessScope`, as the JAX loop does: the state is a tensor
of the loop's own, never the layer's variable, so the LSTM state that autograd saves for the
backward pass is not overwritten by the layer's own state update before it is used. That
overwrite is why Keras's `fit` and `train_on_batch` on PyTorch fail on the first update of a
stateful LSTM or GRU; the tutorial's loop (`--loop plain`) is refused for stateful models here.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from contextlib import AbstractContextManager
from typing import Callable

import keras
import numpy as np
import torch

from common.backends import STRATEGIES
from common.backends.base import CompiledStepsBase, assign, batch_metric
from common.checks import MisuseError

FIT_REFUSAL = "Keras's fit there fails on the first update of a stateful LSTM"
"""Keras's own `fit` would carry the state here (it runs eagerly), but fails: see the module's docstring."""
INPUT_FIRST_ABOVE = math.inf
"""Never: Keras's LSTM on PyTorch already computes the input products before its loop, and the
memory demo's layer was no faster there (docs/speed.md)."""


def seed(value: int) -> None:
    """Python's `random`, numpy, Keras's own generator and torch's seeded; torch's CPU operations
    then compute the same numbers run after run."""
    keras.utils.set_random_seed(value)


class CompiledSteps(CompiledStepsBase):
    """Many training steps of one model in one call, the state carried from step to step.

    Short recurrent layers are not unrolled here: Keras's LSTM on PyTorch computes every step's
    input product in one product before its loop, whatever `unroll` says.
    """

    step_by_step = True

    def run(self, xs: np.ndarray, ys: np.ndarray, batches: np.ndarray,
            keep_state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Train step i on batch j = batches[i], xs[j] and ys[j]; the state is zeroed before step i
        where keep_state[i] is 0."""
        model = self.model
        xs, ys = keras.ops.convert_to_tensor(xs), keras.ops.convert_to_tensor(ys, dtype="float32")
        trainable = _values(model.trainable_variables)
        non_trainable = _values(model.non_trainable_variables)
        states = _values(self.states)
        optimizer_variables = _values(model.optimizer.variables)
        losses, scores = torch.empty(len(batches)), torch.empty(len(batches))
        for i, (batch, keep) in enumerate(zip(batches.tolist(), keep_state.tolist())):
            if not keep:
                states = [torch.zeros_like(state) for state in states]
            x, y = xs[batch], ys[batch]
            leaves = [value.detach().requires_grad_() for value in trainable]
            with torch.enable_grad():
                y_pred, loss, non_trainable, states = self._forward(
                    leaves, non_trainable, states, optimizer_variables, x, y, training=True)
                gradients = torch.autograd.grad(loss, leaves, materialize_grads=True)
            with torch.no_grad():
                trainable, optimizer_variables = model.optimizer.stateless_apply(
                    optimizer_variables, list(gradients), [leaf.detach() for leaf in leaves])
                states = [state.detach() for state in states]
                losses[i] = loss.detach().float()
                scores[i] = batch_metric(self.metric, y, y_pred.detach())
        for group, values in zip((model.trainable_variables, model.non_trainable_variables, self.states,
                                  model.optimizer.variables), (trainable, non_trainable, states, optimizer_variables)):
            assign(group, values)
        return losses.numpy(), scores.numpy()

    def predict(self, xs: np.ndarray, keep_state: np.ndarray) -> np.ndarray:
        """The outputs for batches xs[i] in order, with the same state resets as `run`."""
        model = self.model
        xs = keras.ops.convert_to_tensor(xs)
        trainable, non_trainable = _values(model.trainable_variables), _values(model.non_trainable_variables)
        optimizer_variables = _values(model.optimizer.variables) if model.optimizer else []
        states = _values(self.states)
        outputs = []
        with torch.no_grad():
            for x, keep in zip(xs, keep_state.tolist()):
                if not keep:
                    states = [torch.zeros_like(state) for state in states]
                y_pred, _, _, states = self._forward(trainable, non_trainable, states, optimizer_variables,
                                                     x, None, training=False)
                outputs.append(y_pred)
        assign(self.states, states)
        return keras.ops.convert_to_numpy(torch.stack(outputs))


def _values(variables: list[keras.Variable]) -> list[torch.Tensor]:
    """Each variable's value as a tensor of the loop's own: the optimizer updates its tensors in place."""
    return [variable.value.detach().clone() for variable in variables]


def compiled_inference(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """`model(x, training=False)` without autograd's bookkeeping: PyTorch has no graph to compile it into."""
    owner = weakref.ref(model)  # callers cache this per model: it must not keep the model alive

    def forward(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return keras.ops.convert_to_numpy(owner()(keras.ops.convert_to_tensor(x), training=False))

    return forward


def distribution(name: str) -> AbstractContextManager:
    """One device: Keras's distribution API has no PyTorch implementation, so `mirrored` is refused."""
    if name == "default":
        return contextlib.nullcontext()
    if name == "mirrored":
        raise MisuseError("--strategy mirrored is not available on torch: Keras distributes training only on "
                          "TensorFlow and JAX (use KERAS_BACKEND=tensorflow or jax)")
    raise MisuseError(f"strategy must be one of {STRATEGIES}, got {name!r}")


def replicas(name: str) -> int:
    """How many replicas `distribution(name)` trains on: one, or a refusal."""
    with distribution(name):
        return 1
