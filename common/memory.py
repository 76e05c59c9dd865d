"""The memory demo's data, its full-BPTT model, and how its predictions are scored.

Two sequences that differ only in their first and last items (`3,0,1,2,3` and `4,0,1,2,4`): the
last step (2 -> 3 or 2 -> 4) can only be predicted by remembering the first. The tutorial feeds
them to a stateful LSTM one time step per batch, so each gradient spans one step and never reaches
the step that saw the first item: whether the net remembers is luck. `full_bptt_model` is the
formulation that learns it by design: a stateless LSTM over the whole sequence, predicting every
step, so the last step's error flows back to the first.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from common import data, encoding
from common.runtime import resources
from common.checks import MisuseError, require_fraction, require_int, require_positive_int

BPTT = ("step", "full")
"""step: the tutorial's stateful LSTM, one time step per batch; full: the whole sequence per sample."""
FORMULATIONS = ("tutorial", "full-bptt", "long-lag")
"""The tutorial's; a stateless LSTM trained through whole sequences; that with what long lags take."""
BPTT_OF = {"tutorial": "step", "full-bptt": "full", "long-lag": "full"}


@dataclass(frozen=True)
class MemoryTask:
    """Two sequences `[a, m_1..m_K, a]` and `[b, m_1..m_K, b]`: the tutorial is K=3, a=3, b=4, m=0,1,2.

    `alphabet` is the one-hot width (default K+2, the tutorial's `len(set(seq1 + seq2))`).
    `random_sequences` draws a, b (distinct) and the middle from the alphabet instead.
    """

    lag: int = 3
    alphabet: int | None = None
    random_sequences: bool = False

    def __post_init__(self) -> None:
        require_positive_int("lag", self.lag)
        if self.alphabet is not None:
            smallest = 2 if self.random_sequences else self.lag + 2
            require_int("alphabet", self.alphabet, minimum=smallest)

    @property
    def width(self) -> int:
        """One-hot width of every step."""
        return self.alphabet if self.alphabet is not None else self.lag + 2

    @property
    def steps(self) -> int:
        """Prediction steps per sequence: lag + 1 (4 in the tutorial)."""
        return self.lag + 1


def draw_sequences(task: MemoryTask, rng: random.Random) -> list[list[int]]:
    """The task's two sequences; random ones are drawn from `rng`, the tutorial's are fixed."""
    if not task.random_sequences:
        return list(data.memory_sequences(task.lag))
    first, second = rng.sample(range(task.width), 2)
    middle = [rng.randrange(task.width) for _ in range(task.lag)]
    return [[first, *middle, first], [second, *middle, second]]


def step_pairs(task: MemoryTask, sequences: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per sequence, the (x_t -> x_t+1) one-hot pairs: x (steps, width), y (steps, width)."""
    pairs = []
    for sequence in sequences:
        if len(sequence) != task.steps + 1:
            raise MisuseError(f"each sequence must have {task.steps + 1} items, got {len(sequence)}")
        x, y = data.next_step_pairs(encoding.one_hot(sequence, task.width))
        pairs.append((x[:, 0, :], y))
    return pairs


def _check_layout(order: list[int], n_sequences: int, batch_size: int, bptt: str) -> None:
    if sorted(order) != list(range(n_sequences)):
        raise MisuseError(f"order must be a permutation of 0..{n_sequences - 1}, got {order}")
    if bptt not in BPTT:
        raise MisuseError(f"bptt must be one of {BPTT}, got {bptt!r}")
    require_int("batch_size", batch_size, minimum=1, maximum=n_sequences)
    if n_sequences % batch_size:
        raise MisuseError(f"batch_size={batch_size} must divide the {n_sequences} sequences")


def arrange(pairs: list[tuple[np.ndarray, np.ndarray]], order: list[int], batch_size: int,
            bptt: str) -> tuple[np.ndarray, np.ndarray]:
    """Samples in training order for `training.train`.

    full: one sample per sequence, (n, steps, width). step: one sample per time step, (n*steps,
    1, width); with batch 1 the sequences follow each other (the tutorial: sequence 1, reset,
    sequence 2), with batch n they run side by side, batch slot i carrying sequence order[i]'s
    state from one time step to the next.
    """
    _check_layout(order, len(pairs), batch_size, bptt)
    xs = np.stack([pairs[i][0] for i in order])
    ys = np.stack([pairs[i][1] for i in order])
    if bptt == "full":
        return xs, ys
    if batch_size > 1:
        xs, ys = xs.swapaxes(0, 1), ys.swapaxes(0, 1)
    return xs.reshape(-1, 1, xs.shape[-1]), ys.reshape(-1, ys.shape[-1])


def unarrange(outputs: np.ndarray, order: list[int], steps: int, batch_size: int, bptt: str) -> np.ndarray:
    """Model outputs back to (n_sequences, steps, width), sequences in their own (not training) order."""
    outputs = np.asarray(outputs)
    _check_layout(order, len(order), batch_size, bptt)
    width = outputs.shape[-1]
    if outputs.size != len(order) * steps * width:
        raise MisuseError(f"expected {len(order) * steps} predictions of width {width}, got shape {outputs.shape}")
    outputs = outputs.reshape(-1, width)
    if bptt == "step" and batch_size > 1:
        outputs = outputs.reshape(steps, len(order), width).transpose(1, 0, 2)
    outputs = outputs.reshape(len(order), steps, width)
    result = np.empty_like(outputs)
    result[order] = outputs
    return result


def memory_need(task: MemoryTask, batch_size: int, bptt: str, units: int, epochs: int,
                shortcut: int | None = None) -> resources.Need:
    """What a run of these settings holds at once, at most (`resources.require_fits` checks it):
    the two sequences' one-hot (input, target) pairs, once as pairs and as each training call
    stacks them, the weights (the LSTM's, the output layer's, the shortcut's) and what a batch's
    backward pass keeps."""
    epoch_floats = 2 * task.steps * 2 * task.width
    batches = 2 * task.steps // batch_size if bptt == "step" else max(1, 2 // batch_size)
    steps_per_batch = 1 if bptt == "step" else task.steps
    return resources.Need(
        array_floats=resources.stream_floats(epoch_floats, epochs, batches) + epoch_floats,
        parameters=resources.lstm_parameters(units, task.width)
        + resources.dense_parameters(task.width, units + (shortcut or 0)) + task.width * (shortcut or 0),
        recurrent_floats=resources.recurrent_floats(batch_size, steps_per_batch, units),
    )


def sequence_samples(task: MemoryTask, batch_size: int, bptt: str) -> int | None:
    """Samples between state resets: one sequence's steps per batch slot (None when stateless)."""
    if bptt not in BPTT:
        raise MisuseError(f"bptt must be one of {BPTT}, got {bptt!r}")
    require_positive_int("batch_size", batch_size)
    return task.steps * batch_size if bptt == "step" else None


LONG_LAG_FORGET_BIAS = 5.0
"""Least forget-gate bias at initialisation for `long_lag`: sigmoid(5) = 0.993 keeps ~50% of a cell over 100 steps."""
LONG_LAG_LEARNING_RATE = 0.01
LONG_LAG_CLIPNORM = 0.3
"""Most gradient norm per `long_lag` update. Unclipped, the cells saturate and a failed run sits at
p = 0.5 for both last items (docs/memory_demo.md has the seeds measured each way)."""
LAST_STEP_SHARE = 0.5
"""The last step's default share of the `long_lag` loss: as much as all the other steps together."""
MEMORY_INPUT_BIAS = -3.0
"""Input-gate bias at initialisation of `memory_units`: sigmoid(-3) = 0.047 lets in a twentieth of each step."""
SHORTCUT_INPUT_GATE_BIAS = -5.0
"""Input-gate bias at initialisation with a `shortcut`: sigmoid(-5) = 0.0067 lets in a 150th of each step."""


def long_lag_forget_bias(steps: int) -> float:
    """The forget-gate bias b with sigmoid(b)**steps = 1/2, and at least 5 (lag 100 was solved with 5).

    A fixed 5 keeps 0.993**1000 = 0.1% of a cell over lag 1000; this keeps half at any lag.
    """
    require_positive_int("steps", steps)
    keep = 0.5 ** (1 / steps)
    return max(LONG_LAG_FORGET_BIAS, math.log(keep / (1 - keep)))


@keras.saving.register_keras_serializable(package="memory_demo")
class LastStepWeightedCrossEntropy(keras.losses.Loss):
    """Categorical cross-entropy per step, the last step carrying `last_step_share` of the weight.

    With equal weights the one step that needs the memory is 1 of `steps` terms: at lag 100 its
    error is drowned by the easy next-item steps, which teach the cells to forget first. The
    default share, 0.5, weights it as much as all the others together.
    """

    def __init__(self, steps: int, last_step_share: float = LAST_STEP_SHARE,
                 name: str = "last_step_weighted_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        require_int("steps", steps, minimum=2)
        self.steps = steps
        self.last_step_share = require_fraction("last_step_share", last_step_share, allow_zero=False)
        weights = np.ones(steps, dtype="float32")
        weights[-1] = last_step_share / (1 - last_step_share) * (steps - 1)
        self.step_weights = weights / weights.mean()  # mean 1: the loss keeps its usual scale

    def call(self, y_true, y_pred):
        per_step = keras.losses.categorical_crossentropy(y_true, y_pred)  # (batch, steps)
        return per_step * keras.ops.convert_to_tensor(self.step_weights, dtype=per_step.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "steps": self.steps, "last_step_share": self.last_step_share}


def check_long_lag_options(units: int, long_lag: bool, last_step_share: float,
                           memory_units: int | None, shortcut: int | None = None) -> None:
    """Refuse `full_bptt_model` options that are out of range or mean nothing without `long_lag`.

    Separate so that the script can refuse a bad command line before any training.
    """
    require_positive_int("units", units)
    require_fraction("last_step_share", last_step_share, allow_zero=False)
    if memory_units is not None:
        require_int("memory_units", memory_units, minimum=1, maximum=units)
    if shortcut is not None:
        require_positive_int("shortcut", shortcut)
    if not long_lag and (last_step_share != LAST_STEP_SHARE or memory_units is not None or shortcut is not None):
        raise MisuseError(
            "last_step_share, memory_units and shortcut change the long-lag model: use them with long_lag "
            "(--formulation long-lag)")


def full_bptt_model(steps: int, width: int, units: int = 20, long_lag: bool = False,
                    last_step_share: float = LAST_STEP_SHARE, memory_units: int | None = None,
                    shortcut: int | None = None) -> keras.Model:
    """Stateless LSTM(units) over the whole sequence -> Dense(width) at every step.

    Default: the tutorial's sigmoid outputs, binary cross-entropy and Adam; only the input is the
    whole sequence, so backpropagation runs through every step and the last step's error reaches
    the first. `long_lag` is the formulation that carries that error across ~100 steps: softmax
    outputs (the targets are one class each), the last step weighted as much as all others
    (`LastStepWeightedCrossEntropy`), a forget-gate bias at initialisation that keeps half a cell
    over the sequence (at least 5, `long_lag_forget_bias`) so the cells start out remembering, and
    Adam at learning rate 0.01 with each update's gradient norm clipped to `LONG_LAG_CLIPNORM`.

    Further `long_lag` options, for lags beyond 100, each against the cells piling up the steps in
    between until tanh saturates and passes no difference between the two sequences:
    `last_step_share`, the last step's share of the loss (0.5: as much as all the others together);
    `memory_units`, the number of units that get the long forget-gate bias plus an input gate mostly
    closed (`MEMORY_INPUT_BIAS`), the others keeping Keras's initial biases for the next-item steps;
    and `shortcut`, a Dense(shortcut) projection of each step's input fed to the output layer beside
    the LSTM, so that the next-item steps need no cell at all, with every input gate starting almost
    closed (`SHORTCUT_INPUT_GATE_BIAS`, the memory units' only if `memory_units` is given).
    """
    for name, value in [("steps", steps), ("width", width)]:
        require_positive_int(name, value)
    check_long_lag_options(units, long_lag, last_step_share, memory_units, shortcut)
    lstm = layers.LSTM(units, return_sequences=True)
    # Dense maps every step in one product. TimeDistributed loops over the steps, and from about
    # 950 steps its kernel gradient differed between two runs of the same graph.
    if shortcut is None:
        model = keras.Sequential([keras.Input(shape=(steps, width)), lstm,
                                  layers.Dense(width, activation="softmax" if long_lag else "sigmoid")])
    else:
        inputs = keras.Input(shape=(steps, width))
        projected = layers.Dense(shortcut, use_bias=False, name="shortcut")(inputs)
        both = layers.Concatenate()([projected, lstm(inputs)])
        model = keras.Model(inputs, layers.Dense(width, activation="softmax")(both))
    if not long_lag:
        model.compile(loss="binary_crossentropy", optimizer="adam")
        return model
    bias = lstm.cell.bias.numpy()  # gates in Keras order: input, forget, cell, output
    remembering = units if memory_units is None else memory_units
    bias[units : units + remembering] = long_lag_forget_bias(steps)
    if memory_units is not None:
        bias[:memory_units] = MEMORY_INPUT_BIAS
    if shortcut is not None:
        bias[:remembering] = SHORTCUT_INPUT_GATE_BIAS
    lstm.cell.bias.assign(bias)
    model.compile(loss=LastStepWeightedCrossEntropy(steps, last_step_share),
                  optimizer=keras.optimizers.Adam(learning_rate=LONG_LAG_LEARNING_RATE,
                                                  clipnorm=LONG_LAG_CLIPNORM))
    return model


def lstm_of(model: keras.Model) -> layers.LSTM:
    """The model's LSTM layer (either formulation, with or without a shortcut)."""
    found = [layer for layer in model.layers if isinstance(layer, layers.LSTM)]
    if len(found) != 1:
        raise MisuseError(f"the model must have one LSTM layer, it has {len(found)}")
    return found[0]


def cell_states(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    """The LSTM's cell state after every step of each sequence, from a zero state: (sequences,
    steps, units).

    The memory itself, which the outputs show only through the output gate and the Dense layer.
    `inputs` is (sequences, steps, width), fed to the model's LSTM (`lstm_of`), whose cell is
    stepped here one time step at a time.
    """
    lstm = lstm_of(model)
    inputs = np.asarray(inputs, dtype="float32")
    h = c = keras.ops.zeros((inputs.shape[0], lstm.units))
    states = []
    for step in range(inputs.shape[1]):
        _, (h, c) = lstm.cell(keras.ops.convert_to_tensor(inputs[:, step]), [h, c])
        states.append(keras.ops.convert_to_numpy(c))
    return np.stack(states, axis=1)


def units_to_show(states: np.ndarray, memory_units: int | None, most: int = 6) -> list[int]:
    """The memory units, or else the units whose cells end furthest apart between the two sequences."""
    if memory_units is not None:
        return list(range(min(memory_units, most)))
    gap = np.abs(states[0, -1] - states[1, -1])
    return sorted(np.argsort(gap)[::-1][:most].tolist())


SOLVED_MARGIN = 0.1
"""A sequence's last step counts as remembered when the right item's output beats the other
sequence's last item by at least this much: an argmax between two outputs of 0.500 is a coin."""


def score(sequences: list[list[int]], outputs: np.ndarray) -> dict[str, object]:
    """Steps right (argmax, as predict_classes did), each last step's margin, and whether it is solved.

    A sequence's last-step margin is its right item's output minus the largest output among the
    other sequences' last items, the candidates that only the memory of the first item tells
    apart. Solved: every step right and every margin at least SOLVED_MARGIN.
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    expected = np.array([sequence[1:] for sequence in sequences])
    if outputs.ndim != 3 or outputs.shape[:2] != expected.shape:
        raise MisuseError(f"outputs must have shape {expected.shape + ('width',)}, got {outputs.shape}")
    right = outputs.argmax(axis=-1) == expected
    margins = []
    for index, sequence in enumerate(sequences):
        rivals = {other[-1] for other in sequences} - {sequence[-1]}
        last = outputs[index, -1]
        margins.append(float(last[sequence[-1]] - max(last[r] for r in rivals)) if rivals else float(last[sequence[-1]]))
    return {
        "correct_steps": int(right.sum()),
        "total_steps": int(right.size),
        "last_steps_correct": [bool(v) for v in right[:, -1]],
        "last_step_margins": [round(m, 4) for m in margins],
        "solved": bool(right.all() and min(margins) >= SOLVED_MARGIN),
    }