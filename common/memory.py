"""The memory demo's task: its two sequences, their layouts for training, how predictions score, its rows.

Two sequences that differ only in their first and last items (`3,0,1,2,3` and `4,0,1,2,4`): the
last step (2 -> 3 or 2 -> 4) can only be predicted by remembering the first. The tutorial feeds
them to a stateful LSTM one time step per batch, so each gradient spans one step and never reaches
the step that saw the first item: whether the net remembers is luck. Fed whole sequences
(`models.memory_full_bptt`), the last step's error flows back to the first. `cell_states` shows
what a trained LSTM keeps of the first item.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from common.checks import MisuseError, require_int, require_positive_int

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


def memory_sequences(lag: int = 3) -> tuple[list[int], list[int]]:
    """The two sequences, `[K, 0..K-1, K]` and `[K+1, 0..K-1, K+1]` for lag K.

    K=3 gives the tutorial's `3,0,1,2,3` and `4,0,1,2,4`.
    """
    require_positive_int("lag", lag)
    middle = list(range(lag))
    return [lag, *middle, lag], [lag + 1, *middle, lag + 1]


def draw_sequences(task: MemoryTask, rng: random.Random) -> list[list[int]]:
    """The task's two sequences; random ones are drawn from `rng`, the tutorial's are fixed."""
    if not task.random_sequences:
        return list(memory_sequences(task.lag))
    first, second = rng.sample(range(task.width), 2)
    middle = [rng.randrange(task.width) for _ in range(task.lag)]
    return [[first, *middle, first], [second, *middle, second]]


def step_pairs(task: MemoryTask, sequences: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per sequence, the (x_t -> x_t+1) one-hot pairs: x (steps, width), y (steps, width)."""
    pairs = []
    for sequence in sequences:
        if len(sequence) != task.steps + 1:
            raise MisuseError(f"each sequence must have {task.steps + 1} items, got {len(sequence)}")
        values = np.asarray(sequence)
        if values.min() < 0 or values.max() >= task.width:
            raise MisuseError(f"items must be in 0..{task.width - 1}, got {sequence}")
        encoded = (values[:, None] == np.arange(task.width)).astype(np.float32)  # a 1 at each item's index
        pairs.append((encoded[:-1], encoded[1:]))  # each step's item, and the next one to predict
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


def sequence_samples(task: MemoryTask, batch_size: int, bptt: str) -> int | None:
    """Samples between state resets: one sequence's steps per batch slot (None when stateless)."""
    if bptt not in BPTT:
        raise MisuseError(f"bptt must be one of {BPTT}, got {bptt!r}")
    require_positive_int("batch_size", batch_size)
    return task.steps * batch_size if bptt == "step" else None


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

def step_row(x: float, y: float, yhat: float) -> str:
    """`X=3.0 y=0.0, yhat=0.0`, the tutorial's row."""
    return "X=%.1f y=%.1f, yhat=%.1f" % (x, y, yhat)


def ends_of(rows: list[str], each: int = 5) -> list[str]:
    """All rows, or for a longer table its first and last `each` with one line counting those left out.

    At a lag of 1000 the table has 1001 rows a sequence; the last one is what the memory decides,
    and the summary line counts every step.
    """
    require_int("each", each, minimum=1)
    if len(rows) <= 2 * each + 1:
        return list(rows)
    return [*rows[:each], f"... {len(rows) - 2 * each} more steps ...", *rows[-each:]]
